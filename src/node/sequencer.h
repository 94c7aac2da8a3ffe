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
                           * removed before it applied), ERR_CLOCK_BEHIND */
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

/* sequencer_start: start the thread over an open chain. */
enum err sequencer_start(struct chain *c, struct sequencer **out) __attribute__((warn_unused_result));

/* sequencer_submit: queue the item and wait until its block is durable.
 * On return item->fatal or item->results say what happened. */
void sequencer_submit(struct sequencer *s, struct seq_item *item);

/* sequencer_stop: refuse new items, drain the queue, commit, snapshot, join. */
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
