/*
 * sequencer.h - one thread that orders commands into blocks, commits each
 * block durably, and only then acknowledges.
 *
 * HTTP threads verify signatures and decode commands in parallel, then
 * hand a seq_item to sequencer_submit, which blocks until the item's block
 * is committed (or the node refuses it). The sequencer takes every waiting
 * item (up to LIMIT_BLOCK_COMMANDS commands) into one block: one fsync
 * acknowledges them all (group commit).
 */
#ifndef MINTLINE_NODE_SEQUENCER_H
#define MINTLINE_NODE_SEQUENCER_H

#include <pthread.h>
#include <stdint.h>

#include "chain.h"

struct seq_item {
    /* in: decoded commands and the journal's copy of the signed request */
    const struct command *cmds;
    uint32_t count;
    int atomic;
    /* The signer as admission verified it: the operator's slot and the
     * public key the signature verified against. The key that counts is
     * the one in force when the request applies; a request whose key was
     * rotated or whose operator was removed while it waited is refused
     * (401) and never journaled, because audit would refuse it. */
    uint32_t operator_index;
    uint8_t pubkey[32];
    struct store_request journal; /* first_seq, results, commands filled by the sequencer */
    /* out */
    enum err fatal;       /* not applied at all: ERR_STORE_IO, ERR_NOT_READY, ERR_LIMIT_REACHED,
                           * ERR_AUTH_SIGNATURE / ERR_AUTH_OPERATOR (key replaced, operator
                           * removed before it applied), ERR_CLOCK_BEHIND, ERR_NOT_LEADER
                           * (a PostgreSQL follower: chain.follower) */
    uint64_t block;
    enum err *results;     /* count entries, owned by the item (seq_item_free) */
    struct apply_result *ars;
    uint32_t *event_ends;  /* index into events after command i's events */
    struct event *events;  /* copied out of the block's buffer */
    uint32_t events_count;
    int done;
    struct seq_item *next;
};

struct sequencer;

/* sequencer_start: start the thread over an open chain. ERR_INTERNAL when
 * memory or a thread cannot be had. */
enum err sequencer_start(struct chain *c, struct sequencer **out) __attribute__((warn_unused_result));

/* sequencer_submit: queue the item and wait until its block is durable.
 * On return item->fatal or item->results say what happened. Only on a
 * sequencer made by sequencer_start. */
void sequencer_submit(struct sequencer *s, struct seq_item *item);

/* sequencer_wait_queued: wait until every item queued before the call is
 * done (its block committed or refused), or until deadline_ns (the wall
 * clock, CLOCK_REALTIME, as chain_now_ns reads it), whichever is first.
 * Returns 1 when something was still queued or running at the call, 0
 * when nothing was. Only on a sequencer made by sequencer_start; never
 * from the sequencer's own thread. */
int sequencer_wait_queued(struct sequencer *s, int64_t deadline_ns);

/* What a sequencer without a thread may change (sequencer_open). */
struct sequencer_options {
    int inline_snapshots;           /* write a due snapshot at once, on the caller's thread */
    uint32_t snapshot_every_blocks; /* 0: limits.h (blocks and commands) */
};

/* sequencer_snapshot_due: is a snapshot due, blocks and commands since
 * the last? With snapshot_every_blocks set, every that many blocks;
 * otherwise limits.h's rule: LIMIT_SNAPSHOT_EVERY_BLOCKS blocks holding
 * at least LIMIT_SNAPSHOT_MIN_COMMANDS commands (worth the state's
 * serialisation), or LIMIT_SNAPSHOT_MAX_BLOCKS blocks whatever they held. */
int sequencer_snapshot_due(const struct sequencer_options *opt, uint64_t blocks,
                           uint64_t commands);

/* sequencer_open: a sequencer with no thread, for a deterministic driver
 * (the fault-injection simulator, tests/sim): sequencer_enqueue queues an
 * item without waiting, and sequencer_run_now applies everything queued,
 * in blocks, on the caller's thread, through the very code the thread
 * runs. opt may be NULL (the node's defaults). ERR_INTERNAL without
 * memory. Closed by sequencer_stop. */
enum err sequencer_open(struct chain *c, const struct sequencer_options *opt,
                        struct sequencer **out) __attribute__((warn_unused_result));
/* sequencer_enqueue: queue the item (sequencer_open only); it is decided
 * (item->fatal or item->results) once item->done is set, by the
 * sequencer_run_now that applies it, or at once when refused here. */
void sequencer_enqueue(struct sequencer *s, struct seq_item *item);
/* sequencer_run_now: apply every queued item, one block per
 * LIMIT_BLOCK_COMMANDS commands (sequencer_open only). */
void sequencer_run_now(struct sequencer *s);

/* A hook run on the sequencer's thread after every block that committed,
 * before that block's requests are answered, with no lock held. It may
 * commit blocks of its own with sequencer_apply_inline (the alert loop,
 * on a manual clock: an alert a block raises has acted before the block's
 * client reads its answer). Set it before any item is queued; fn NULL
 * removes it. Not called for the blocks sequencer_apply_inline commits. */
typedef void (*sequencer_hook_fn)(void *ctx, struct sequencer *s);
void sequencer_set_after_block(struct sequencer *s, sequencer_hook_fn fn, void *ctx);

/* sequencer_set_window: count every committed item's commands and refusals
 * into w (cmdwin.h) at its block's time, when the block commits (so the
 * after-block hook's alert round sees them); NULL: none. Set it before any
 * item is queued. w must outlive the sequencer. */
struct cmdwin;
void sequencer_set_window(struct sequencer *s, struct cmdwin *w);

/* sequencer_apply_inline: apply n items (an array) now, on the calling
 * thread, in blocks of at most LIMIT_BLOCK_COMMANDS commands, through the
 * very code queued items go through; each is decided when it returns
 * (item->fatal or item->results). Only from an after-block hook (the
 * sequencer's own thread), or on a sequencer made by sequencer_open. */
void sequencer_apply_inline(struct sequencer *s, struct seq_item *items, uint32_t n);

/* sequencer_stop: refuse new items, drain the queue, commit, snapshot (not
 * when the chain is broken), join the thread if any, and free s. */
void sequencer_stop(struct sequencer *s);

void seq_item_free(struct seq_item *item);

/* Figures for /metrics: commit latency histogram (seconds buckets). */
#define SEQ_LATENCY_BUCKETS 12
struct seq_stats {
    uint64_t blocks;
    uint64_t latency_count;
    double latency_sum_s;
    uint64_t latency_le[SEQ_LATENCY_BUCKETS]; /* cumulative counts */
    uint64_t stale_signer;       /* requests refused at apply: key replaced or operator removed */
    uint64_t snapshots_written;
    uint64_t snapshots_failed;   /* a failed snapshot only lengthens the next replay */
    uint64_t blocks_aborted;     /* applied but not journaled (store failure): rolled back */
    uint64_t clock_behind;       /* blocks refused: the wall clock is behind the ledger */
};
extern const double seq_latency_bounds_s[SEQ_LATENCY_BUCKETS];
void sequencer_stats(struct sequencer *s, struct seq_stats *out);

#endif
