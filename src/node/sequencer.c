/*
 * sequencer.c - the single writer: blocks, commit, acknowledge.
 *
 * Invariants: items are applied in queue order; an item is marked done
 * only after its block's COMMIT returned (fsync) or after it was refused
 * whole; the engine lock is held for writing from block begin until the
 * block is durable, so no reader ever sees state that is not on disk. A
 * failed commit breaks the chain for good (c->broken): every later write
 * is refused with ERR_STORE_IO until the node restarts and replays.
 *
 * The node runs it on a thread of its own (sequencer_start); the
 * fault-injection simulator runs the very same block step on its own
 * thread (sequencer_open, sequencer_run_now), with snapshots written
 * inline, so that a seed decides everything.
 */
#include "sequencer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../base/bgthread.h"
#include "../base/buf.h"
#include "../base/check.h"
#include "cmdwin.h"

/* A wall clock behind the ledger's time by at most this much (an NTP step)
 * is waited out before a block; further behind, writes are refused. */
#define SEQ_CLOCK_WAIT_NS (INT64_C(2) * 1000000000)

const double seq_latency_bounds_s[SEQ_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

struct sequencer {
    struct chain *c;
    struct sequencer_options opt;
    int threaded; /* sequencer_start: a thread of its own; sequencer_open: none */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;
    pthread_cond_t done;
    struct seq_item *head;
    struct seq_item *tail;
    uint64_t queued_total;   /* items ever queued (sequencer_wait_queued) */
    uint64_t finished_total; /* of those, the ones done */
    int stopping;
    struct event_buf events;
    struct buf events_bin;
    struct store_request *journal;
    uint32_t journal_cap;
    struct seq_stats stats;
    sequencer_hook_fn after_block; /* on this thread, after each committed block */
    struct cmdwin *window;         /* sequencer_set_window; counted at commit, before after_block */
    void *after_block_ctx;
    /* The background snapshot writer (at most one at a time). */
    pthread_t snap_thread;
    int snap_live;          /* a thread to join */
    int snap_busy;          /* it is still writing, or warming (atomic) */
    struct buf snap_bytes;  /* kept between snapshots (sequencer__snapshot_room) */
    size_t snap_want;       /* the room the warming thread makes */
    uint64_t snap_height;
    uint64_t snap_seq; /* engine next_seq at the last snapshot (or at the start) */
};

void seq_item_free(struct seq_item *item) {
    free(item->results);
    free(item->ars);
    free(item->event_ends);
    free(item->events);
    free((void *)item->journal.results);
    item->results = NULL;
    item->ars = NULL;
    item->event_ends = NULL;
    item->events = NULL;
    item->journal.results = NULL;
}

/* Counters /metrics reads (sequencer_stats) change under the mutex. */
static void sequencer__count(struct sequencer *s, uint64_t *counter) {
    pthread_mutex_lock(&s->mu);
    (*counter)++;
    pthread_mutex_unlock(&s->mu);
}

static void sequencer__fail_all(struct seq_item *first, uint32_t n, enum err err) {
    struct seq_item *it = first;
    for (uint32_t i = 0; i < n; i++, it = it->next) {
        if (!it->fatal) it->fatal = err;
    }
}

/* Apply every item of the block in order (engine lock held for writing),
 * filling s->journal with the requests that applied (*journaled of them,
 * *commands commands). An item whose signer's key changed while it
 * waited is refused whole (it->fatal) and leaves no trace. Returns how
 * many commands failed with ERR_INTERNAL: a fault of this process
 * (memory), not a rule, so never something to journal. */
static uint32_t sequencer__apply(struct sequencer *s, struct seq_item *first, uint32_t n,
                                 uint32_t *journaled, uint32_t *commands) {
    struct engine *e = &s->c->engine;
    struct seq_item *it = first;
    uint32_t faults = 0;
    *journaled = 0;
    *commands = 0;
    for (uint32_t i = 0; i < n; i++, it = it->next) {
        if (it->fatal) continue; /* refused for room (sequencer__room) */
        it->fatal = chain_signer_current(e, it->operator_index, it->pubkey);
        if (it->fatal) {
            sequencer__count(s, &s->stats.stale_signer);
            continue;
        }
        it->journal.first_seq = e->s.next_seq;
        uint32_t mark = s->events.count;
        chain_apply_request(e, it->cmds, it->count, it->atomic, 0, &s->events, it->results,
                            it->ars, it->event_ends);
        uint8_t *res = (uint8_t *)it->journal.results;
        for (uint32_t k = 0; k < it->count; k++) {
            res[2 * k] = (uint8_t)it->results[k];
            res[2 * k + 1] = (uint8_t)((unsigned)it->results[k] >> 8);
            it->event_ends[k] -= mark;
            /* a released command (a payout distributed at its last
             * approval) that could not have its memory is a fault too */
            faults += it->results[k] == ERR_INTERNAL || it->ars[k].ran_err == ERR_INTERNAL;
        }
        it->events_count = s->events.count - mark;
        s->journal[(*journaled)++] = it->journal;
        *commands += it->count;
    }
    return faults;
}

static void sequencer__stats(struct sequencer *s, int64_t latency_ns) {
    double secs = (double)latency_ns / 1e9;
    pthread_mutex_lock(&s->mu);
    s->stats.blocks++;
    s->stats.latency_count++;
    s->stats.latency_sum_s += secs;
    for (int i = 0; i < SEQ_LATENCY_BUCKETS; i++) {
        if (secs <= seq_latency_bounds_s[i]) s->stats.latency_le[i]++;
    }
    pthread_mutex_unlock(&s->mu);
}

static enum err sequencer__commit(struct sequencer *s, struct seq_item *first, uint32_t n,
                                  uint32_t journaled, const struct store_block *header) {
    struct chain *c = s->c;
    struct store_block b = *header;
    buf_init(&s->events_bin);
    for (uint32_t i = 0; i < s->events.count; i++) event_encode(&s->events.items[i], &s->events_bin);
    if (!buf_ok(&s->events_bin)) return ERR_INTERNAL;
    b.events = s->events_bin.data;
    b.events_len = s->events_bin.len;
    b.events_count = s->events.count;
    block_hash(&b, s->journal, journaled, &b.hash);
    int64_t t0 = chain_now_ns();
    enum err err = c->store->ops->append_block(c->store, &b, s->journal, journaled);
    buf_free(&s->events_bin);
    if (err) return err;
    sequencer__stats(s, chain_now_ns() - t0);
    c->head_hash = b.hash;
    c->head_time_ns = b.time_ns;
    /* Copy each item's events out of the block buffer for its response. */
    uint32_t at = 0;
    struct seq_item *it = first;
    for (uint32_t i = 0; i < n; i++, it = it->next) {
        if (it->fatal) continue;
        it->block = b.height;
        if (s->window != NULL) {
            uint64_t failed = 0;
            for (uint32_t k = 0; k < it->count; k++) failed += it->results[k] != ERR_OK;
            cmdwin_add(s->window, b.time_ns, it->count, failed);
        }
        uint32_t count = it->events_count;
        if (count) {
            it->events = malloc(count * sizeof(*it->events));
            if (it->events) {
                memcpy(it->events, &s->events.items[at], count * sizeof(*it->events));
            } else { /* committed: answered without its events (read them back) */
                it->events_count = 0;
                memset(it->event_ends, 0, it->count * sizeof(*it->event_ends));
            }
        }
        at += count;
    }
    return ERR_OK;
}

/* A failed snapshot only lengthens the next replay: say so, count it
 * (mintline_snapshots_total{result="failed"}, status) and go on. */
static void sequencer__snapshot_done(struct sequencer *s, enum err err) {
    pthread_mutex_lock(&s->mu);
    if (err) s->stats.snapshots_failed++;
    else s->stats.snapshots_written++;
    pthread_mutex_unlock(&s->mu);
    if (err) fprintf(stderr, "mintline: snapshot failed: %s\n", err_name(err));
}

static void sequencer__snapshot_write(struct sequencer *s) {
    struct chain *c = s->c;
    enum err err = c->store->ops->write_snapshot(c->store, s->snap_height, s->snap_bytes.data,
                                                 s->snap_bytes.len);
    sequencer__snapshot_done(s, err);
    if (!err) __atomic_store_n(&c->snapshot_height, s->snap_height, __ATOMIC_SEQ_CST);
    s->snap_bytes.len = 0; /* the room stays for the next one */
    __atomic_store_n(&s->snap_busy, 0, __ATOMIC_SEQ_CST);
}

/* The writer thread. */
static void *sequencer__snapshot_main(void *arg) {
    bgthread_name("mintline-snap");
    sequencer__snapshot_write(arg);
    return NULL;
}

/* The copy of the state (sequencer__snapshot_maybe) runs with the engine's
 * lock held, so every block waits for it: into a fresh buffer it took one
 * page fault per 4 KiB (9,300 for the 38 MB of a million holders, as much
 * time as the copy itself on this VM). So the buffer is kept from one
 * snapshot to the next (its memory, ~40 bytes a holder, stays with the
 * node), asked for huge pages, and before the first snapshot it is made
 * and touched by the writer thread half way to the snapshot's due point,
 * beside the blocks. Makes room for `need` bytes (and 1/16 more to grow
 * into); 0 when it could not. */
static int sequencer__snapshot_room(struct buf *b, size_t need, int touch) {
    if (b->failed) {
        buf_free(b);
        buf_init(b);
    }
    b->len = 0;
    if (b->cap >= need) return 1;
    buf_reserve(b, need + need / 16);
    if (!buf_ok(b)) return 0;
    uintptr_t lo = ((uintptr_t)b->data + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
    uintptr_t hi = ((uintptr_t)b->data + b->cap) & ~(uintptr_t)((2u << 20) - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* a hint */
    if (touch) memset(b->data, 0, b->cap);
    return 1;
}

static void *sequencer__snapshot_warm(void *arg) {
    struct sequencer *s = arg;
    bgthread_name("mintline-snap");
    (void)sequencer__snapshot_room(&s->snap_bytes, s->snap_want, 1);
    __atomic_store_n(&s->snap_busy, 0, __ATOMIC_SEQ_CST);
    return NULL;
}

/* The room a snapshot of the state as it is now needs (the small state
 * counted as 256 KiB: more only grows the buffer). */
static size_t sequencer__snapshot_need(const struct engine *e) {
    return engine_snapshot_bytes_hint(e) + (256u << 10);
}

static void sequencer__snapshot_join(struct sequencer *s) {
    if (!s->snap_live) return;
    pthread_join(s->snap_thread, NULL);
    s->snap_live = 0;
}

int sequencer_snapshot_due(const struct sequencer_options *opt, uint64_t blocks,
                           uint64_t commands) {
    if (opt->snapshot_every_blocks) return blocks >= opt->snapshot_every_blocks;
    if (blocks >= LIMIT_SNAPSHOT_MAX_BLOCKS) return 1;
    return blocks >= LIMIT_SNAPSHOT_EVERY_BLOCKS && commands >= LIMIT_SNAPSHOT_MIN_COMMANDS;
}

/* When one is due: copy the state now (the lock is held, so it is the
 * state of this block) and let a thread write it while blocks go on
 * committing. One snapshot at a time; a due one waits. With
 * inline_snapshots it is written here and now (deterministic drivers). */
static void sequencer__snapshot_maybe(struct sequencer *s) {
    struct chain *c = s->c;
    uint64_t done = __atomic_load_n(&c->snapshot_height, __ATOMIC_SEQ_CST);
    uint64_t last = done > s->snap_height ? done : s->snap_height; /* a failed try waits too */
    uint64_t blocks = c->engine.s.height - last;
    uint64_t commands = c->engine.s.next_seq - s->snap_seq;
    if (__atomic_load_n(&s->snap_busy, __ATOMIC_SEQ_CST)) return;
    size_t need = sequencer__snapshot_need(&c->engine);
    if (!sequencer_snapshot_due(&s->opt, blocks, commands)) {
        /* Half way there: have the writer thread make the room. */
        if (!s->opt.inline_snapshots && s->snap_bytes.cap < need &&
            sequencer_snapshot_due(&s->opt, 2 * blocks, 2 * commands)) {
            sequencer__snapshot_join(s);
            s->snap_want = need;
            s->snap_busy = 1;
            if (pthread_create(&s->snap_thread, NULL, sequencer__snapshot_warm, s) != 0) {
                s->snap_busy = 0;
                return;
            }
            s->snap_live = 1;
        }
        return;
    }
    sequencer__snapshot_join(s);
    /* Without room made ahead (it grew, or the first came early): made here. */
    if (sequencer__snapshot_room(&s->snap_bytes, need, 0)) {
        engine_snapshot_write(&c->engine, &s->snap_bytes);
    }
    if (!buf_ok(&s->snap_bytes)) {
        buf_free(&s->snap_bytes);
        buf_init(&s->snap_bytes);
        sequencer__snapshot_done(s, ERR_INTERNAL);
        return;
    }
    s->snap_height = c->engine.s.height;
    s->snap_seq = c->engine.s.next_seq;
    s->snap_busy = 1;
    if (s->opt.inline_snapshots) {
        sequencer__snapshot_write(s);
        return;
    }
    if (pthread_create(&s->snap_thread, NULL, sequencer__snapshot_main, s) != 0) {
        s->snap_busy = 0;
        s->snap_bytes.len = 0;
        sequencer__snapshot_done(s, ERR_INTERNAL);
        return;
    }
    s->snap_live = 1;
}

/* On a wall-clock ledger block time never runs ahead of the wall clock:
 * when the ledger's time is ahead (the clock was stepped back), wait a
 * short step out; a longer gap refuses the block (ERR_CLOCK_BEHIND) rather
 * than stamp it with a time that has not come. Returns the block time to
 * ask for (0 on a manual clock: time stands still). */
static enum err sequencer__clock(struct sequencer *s, int64_t *time_ns) {
    struct chain *c = s->c;
    *time_ns = 0;
    if (c->clock_manual) return ERR_OK;
    int64_t now = chain_now_ns();
    pthread_rwlock_rdlock(&c->lock);
    int64_t ledger = c->engine.s.time_ns;
    pthread_rwlock_unlock(&c->lock);
    if (ledger > now && ledger - now <= SEQ_CLOCK_WAIT_NS) {
        struct timespec ts = {(time_t)((ledger - now) / 1000000000), (long)((ledger - now) % 1000000000)};
        nanosleep(&ts, NULL);
        now = chain_now_ns();
    }
    if (ledger > now) {
        sequencer__count(s, &s->stats.clock_behind);
        return ERR_CLOCK_BEHIND;
    }
    *time_ns = now;
    return ERR_OK;
}

/* Nothing of a block that is not durable may stay visible: the engine is
 * put back exactly as it was before the block, under the write lock, and
 * the node refuses writes until a restart replays the journal. */
static void sequencer__abort(struct sequencer *s, struct seq_item *first, uint32_t n,
                             enum err err) {
    engine_block_abort(&s->c->engine);
    s->c->broken = 1;
    sequencer__count(s, &s->stats.blocks_aborted);
    sequencer__fail_all(first, n, err);
}

/* The most holdings room one block may ask for beyond its commands' own:
 * half the table's limit. */
#define SEQ_ROOM_BUDGET ((uint64_t)LIMIT_HOLDINGS / 2)

static enum err sequencer__room(struct sequencer *s, struct seq_item *first, uint32_t n,
                                uint32_t commands) {
    struct engine *e = &s->c->engine;
    uint64_t extra = 0;
    uint32_t k = 0;
    for (struct seq_item *it = first; it != NULL && k < n; it = it->next, k++) {
        uint64_t mine = 0;
        for (uint32_t i = 0; i < it->count; i++) mine += engine_command_room(e, &it->cmds[i]);
        /* A request that would take the block past the room one block may
         * reserve is refused alone (409, not journaled), so that one
         * operator's oversized batch never fails the others' requests. */
        if (extra + mine > SEQ_ROOM_BUDGET) {
            it->fatal = ERR_LIMIT_REACHED;
            continue;
        }
        extra += mine;
    }
    enum err err = engine_reserve_room(e, commands, extra);
    if (!err) err = chain_events_reserve(&s->events, commands);
    if (!err && n > s->journal_cap) {
        free(s->journal);
        s->journal = calloc(n, sizeof(*s->journal));
        s->journal_cap = s->journal ? n : 0;
        if (s->journal == NULL) err = ERR_INTERNAL;
    }
    return err;
}

static void sequencer__block(struct sequencer *s, struct seq_item *first, uint32_t n,
                             uint32_t commands) {
    struct chain *c = s->c;
    struct engine *e = &c->engine;
    int64_t time_ns = 0;
    enum err err = c->broken ? ERR_STORE_IO : sequencer__clock(s, &time_ns);
    if (err) {
        sequencer__fail_all(first, n, err);
        return;
    }
    pthread_rwlock_wrlock(&c->lock);
    /* A follower takes no block: checked under the lock that a step down
     * (ha.c) takes to set it, so no block starts after it. */
    err = c->follower ? ERR_NOT_LEADER : sequencer__room(s, first, n, commands);
    if (err) {
        pthread_rwlock_unlock(&c->lock);
        sequencer__fail_all(first, n, err);
        return;
    }
    s->events.count = 0;
    engine_block_checkpoint(e);
    engine_block_begin(e, time_ns);
    struct store_block header;
    memset(&header, 0, sizeof(header));
    header.time_ns = e->s.time_ns;
    header.first_seq = e->s.next_seq;
    header.first_event_seq = e->s.next_event_seq;
    header.prev_hash = c->head_hash;
    uint32_t journaled = 0;
    if (sequencer__apply(s, first, n, &journaled, &header.commands_count) != 0) {
        /* A result replay could not reproduce: journal nothing, take no
         * more writes; a restart replays the journal into a clean state. */
        fprintf(stderr, "mintline: out of memory applying a block; it is not journaled, and writes "
                        "are refused until the node is restarted\n");
        sequencer__abort(s, first, n, ERR_INTERNAL);
        pthread_rwlock_unlock(&c->lock);
        return;
    }
    if (journaled == 0) { /* every request refused: no block */
        engine_block_abort(e);
        pthread_rwlock_unlock(&c->lock);
        return;
    }
    header.requests_count = journaled;
    engine_block_seal(e, &header.state_hash);
    header.height = e->s.height;
    err = sequencer__commit(s, first, n, journaled, &header);
    if (err) {
        fprintf(stderr, "mintline: block %llu could not be journaled (%s); it is rolled back and "
                        "writes are refused until the node is restarted\n",
                (unsigned long long)header.height, err_name(err));
        sequencer__abort(s, first, n, ERR_STORE_IO);
    } else {
        engine_block_commit(e);
        sequencer__snapshot_maybe(s);
    }
    pthread_rwlock_unlock(&c->lock);
}

/* Take items off the queue up to one block's worth (at least one). */
static uint32_t sequencer__take(struct sequencer *s, struct seq_item **first, uint32_t *commands) {
    uint32_t n = 0;
    uint32_t total = 0;
    struct seq_item *it = s->head;
    *first = it;
    while (it != NULL && (n == 0 || total + it->count <= LIMIT_BLOCK_COMMANDS)) {
        total += it->count;
        n++;
        s->head = it->next;
        it = it->next;
    }
    if (s->head == NULL) s->tail = NULL;
    *commands = total;
    return n;
}

/* One block's worth off the queue, applied, and its items marked done.
 * Called with s->mu held, which is released while the block runs.
 * Returns 0 when the queue was empty. */
static int sequencer__round(struct sequencer *s) {
    if (s->head == NULL) return 0;
    struct seq_item *first;
    uint32_t commands;
    uint32_t n = sequencer__take(s, &first, &commands);
    pthread_mutex_unlock(&s->mu);
    uint64_t height = s->c->engine.s.height; /* this thread is the only writer */
    sequencer__block(s, first, n, commands);
    if (s->after_block != NULL && s->c->engine.s.height != height) {
        s->after_block(s->after_block_ctx, s);
    }
    pthread_mutex_lock(&s->mu);
    struct seq_item *it = first;
    for (uint32_t i = 0; i < n; i++) {
        struct seq_item *next = it->next;
        it->done = 1;
        it = next;
    }
    s->finished_total += n;
    pthread_cond_broadcast(&s->done);
    return 1;
}

static void *sequencer__main(void *arg) {
    struct sequencer *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->head == NULL && !s->stopping) pthread_cond_wait(&s->work, &s->mu);
        if (!sequencer__round(s)) break;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static struct sequencer *sequencer__new(struct chain *c, const struct sequencer_options *opt) {
    struct sequencer *s = calloc(1, sizeof(*s));
    if (s == NULL) return NULL;
    s->c = c;
    s->snap_seq = c->engine.s.next_seq; /* commands replayed before are not counted again */
    if (opt) s->opt = *opt;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->done, NULL);
    return s;
}

static void sequencer__free(struct sequencer *s) {
    chain_events_free(&s->events);
    buf_free(&s->snap_bytes);
    free(s->journal);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->done);
    free(s);
}

enum err sequencer_start(struct chain *c, struct sequencer **out) {
    struct sequencer *s = sequencer__new(c, NULL);
    if (s == NULL) return ERR_INTERNAL;
    s->threaded = 1;
    if (pthread_create(&s->thread, NULL, sequencer__main, s) != 0) {
        sequencer__free(s);
        return ERR_INTERNAL;
    }
    *out = s;
    return ERR_OK;
}

enum err sequencer_open(struct chain *c, const struct sequencer_options *opt,
                        struct sequencer **out) {
    struct sequencer *s = sequencer__new(c, opt);
    if (s == NULL) return ERR_INTERNAL;
    *out = s;
    return ERR_OK;
}

void sequencer_run_now(struct sequencer *s) {
    ASSERT(!s->threaded);
    pthread_mutex_lock(&s->mu);
    while (sequencer__round(s)) {
    }
    pthread_mutex_unlock(&s->mu);
}

static enum err sequencer__prepare(struct seq_item *item) {
    item->results = calloc(item->count, sizeof(*item->results));
    item->ars = calloc(item->count, sizeof(*item->ars));
    item->event_ends = calloc(item->count, sizeof(*item->event_ends));
    item->journal.results = calloc(item->count, 2);
    item->journal.results_len = (size_t)item->count * 2;
    item->journal.commands_count = item->count;
    item->journal.flags = item->atomic ? STORE_REQUEST_ATOMIC : 0;
    if (!item->results || !item->ars || !item->event_ends || !item->journal.results) {
        return ERR_INTERNAL;
    }
    return ERR_OK;
}

/* Queue a prepared item (s->mu held). Returns 0 when it was refused at
 * once (item->fatal says why). */
static int sequencer__queue(struct sequencer *s, struct seq_item *item) {
    if (item->fatal) return 0;
    if (s->stopping) {
        item->fatal = ERR_NOT_READY;
        return 0;
    }
    if (s->tail) s->tail->next = item;
    else s->head = item;
    s->tail = item;
    s->queued_total++;
    return 1;
}

static void sequencer__begin(struct seq_item *item) {
    ASSERT(item->count > 0 && item->count <= LIMIT_BATCH_COMMANDS);
    item->done = 0;
    item->next = NULL;
    item->fatal = sequencer__prepare(item);
}

void sequencer_submit(struct sequencer *s, struct seq_item *item) {
    ASSERT(s->threaded);
    sequencer__begin(item);
    pthread_mutex_lock(&s->mu);
    if (sequencer__queue(s, item)) {
        pthread_cond_signal(&s->work);
        while (!item->done) pthread_cond_wait(&s->done, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
}

int sequencer_wait_queued(struct sequencer *s, int64_t deadline_ns) {
    ASSERT(s->threaded);
    struct timespec until = {(time_t)(deadline_ns / 1000000000), (long)(deadline_ns % 1000000000)};
    pthread_mutex_lock(&s->mu);
    uint64_t target = s->queued_total;
    int waited = s->finished_total < target;
    while (s->finished_total < target) {
        if (pthread_cond_timedwait(&s->done, &s->mu, &until) != 0) break;
    }
    pthread_mutex_unlock(&s->mu);
    return waited;
}

void sequencer_enqueue(struct sequencer *s, struct seq_item *item) {
    ASSERT(!s->threaded);
    sequencer__begin(item);
    pthread_mutex_lock(&s->mu);
    if (!sequencer__queue(s, item)) item->done = 1;
    pthread_mutex_unlock(&s->mu);
}

void sequencer_set_window(struct sequencer *s, struct cmdwin *w) {
    pthread_mutex_lock(&s->mu);
    s->window = w;
    pthread_mutex_unlock(&s->mu);
}

void sequencer_set_after_block(struct sequencer *s, sequencer_hook_fn fn, void *ctx) {
    pthread_mutex_lock(&s->mu);
    s->after_block = fn;
    s->after_block_ctx = ctx;
    pthread_mutex_unlock(&s->mu);
}

void sequencer_apply_inline(struct sequencer *s, struct seq_item *items, uint32_t n) {
    ASSERT(!s->threaded || pthread_equal(pthread_self(), s->thread));
    uint32_t i = 0;
    while (i < n) {
        uint32_t first = i;
        uint32_t commands = 0;
        while (i < n && (i == first || commands + items[i].count <= LIMIT_BLOCK_COMMANDS)) {
            sequencer__begin(&items[i]);
            items[i].next = i + 1 < n ? &items[i + 1] : NULL;
            commands += items[i].count;
            i++;
        }
        items[i - 1].next = NULL;
        sequencer__block(s, &items[first], i - first, commands);
        for (uint32_t k = first; k < i; k++) items[k].done = 1;
    }
}

void sequencer_stop(struct sequencer *s) {
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_signal(&s->work);
    if (!s->threaded) {
        while (sequencer__round(s)) {
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (s->threaded) pthread_join(s->thread, NULL);
    sequencer__snapshot_join(s);
    struct chain *c = s->c;
    pthread_rwlock_wrlock(&c->lock);
    if (!c->broken && !c->follower && c->engine.s.height > c->snapshot_height) {
        sequencer__snapshot_done(s, chain_snapshot(c)); /* a follower leaves it to the leader */
    }
    pthread_rwlock_unlock(&c->lock);
    sequencer__free(s);
}

void sequencer_stats(struct sequencer *s, struct seq_stats *out) {
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}
