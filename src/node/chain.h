/*
 * chain.h - the engine bound to its store: genesis, recovery (latest
 * snapshot + replay), and the one routine that applies a request's
 * commands, shared by the live sequencer, replay and audit so that all
 * three reach the same state by construction.
 *
 * Locking: `lock` guards the engine. The sequencer holds it for writing
 * from block begin to seal; dry runs hold it for writing around their
 * savepoint; reads hold it for reading.
 */
#ifndef MINTLINE_NODE_CHAIN_H
#define MINTLINE_NODE_CHAIN_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "../engine/engine.h"
#include "../store/store.h"

struct chain {
    struct engine engine;
    struct store *store;
    pthread_rwlock_t lock;
    struct hash head_hash;
    int64_t head_time_ns;
    uint64_t snapshot_height;
    int clock_manual; /* the ledger's clock mode, recorded at init (genesis "clock") */
    int broken; /* a store write failed: writes are refused until restart */
    /* A PostgreSQL follower (ha.h): writes are refused (ERR_NOT_LEADER) and
     * blocks come from the leader through the journal. Changed under the
     * write lock; read atomically. */
    int follower;
    int64_t genesis_time_ns; /* block 0's time: when the assets, feeds and operators of the genesis began */
    struct hash genesis_hash; /* block 0's hash: which ledger this is (status) */
};

/* An event buffer that grows between blocks (never inside apply): emptied,
 * with room for `commands` commands' events. */
enum err chain_events_reserve(struct event_buf *ev, uint32_t commands)
    __attribute__((warn_unused_result));
void chain_events_free(struct event_buf *ev);

/* chain_genesis_engine: an opened engine set to the genesis document.
 * The document's "clock" ("manual" or "wall"; absent: wall) is the node's
 * and is taken out before the engine reads the rest; *clock_manual (may be
 * NULL) gets it. ERR_INVALID_GENESIS with why. */
enum err chain_genesis_engine(struct engine *e, const char *json, size_t json_len, int64_t time_ns,
                              int *clock_manual, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* chain_genesis_clock: the clock mode recorded in a store's genesis. */
enum err chain_genesis_clock(struct store *store, int *clock_manual, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* chain_open: open data_dir's store, make durable whatever of it the OS
 * still held in memory only (store settle: after a crash or a failed
 * fsync), and recover its state: the newest
 * snapshot whose state hash matches its block (else genesis), then replay
 * of every later block, checking each result code and state hash. Shows a
 * progress line on a terminal when it takes over a second.
 * ERR_NO_LEDGER, ERR_STORE_IO, ERR_AUDIT_FAILED (why says where). */
enum err chain_open(struct chain *c, const char *data_dir, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* chain_open_url: chain_open on the store a --store URL names
 * (store_open_url: NULL or "sqlite" is data_dir's file). */
enum err chain_open_url(struct chain *c, const char *data_dir, const char *store_url, char *why,
                        size_t why_size) __attribute__((warn_unused_result));
void chain_close(struct chain *c);

/* chain_apply_request: apply a request's n commands in order. With atomic,
 * either all succeed or none is applied (the others then carry
 * ERR_BATCH_ABORTED). With dry, atomic failures only relabel results (the
 * caller rolls everything back anyway), and a command its policy would
 * make pending is also run as if released (engine_apply_dry). results[i] gets each code,
 * ars[i] each seq and note, event_ends[i] the index in events after
 * command i's events. Needs engine_reserve(n) and events room. */
void chain_apply_request(struct engine *e, const struct command *cmds, uint32_t n, int atomic,
                         int dry, struct event_buf *events, enum err *results,
                         struct apply_result *ars, uint32_t *event_ends);

/* What replaying needs between blocks, kept by the caller so that a long
 * replay allocates once: the events buffer and the per-request scratch
 * (cmds..ends: cap entries each, mapped by chain.c, room for the largest
 * block; freed by chain_replay_buf_free only). */
struct chain_replay_buf {
    struct event_buf events;
    struct command *cmds;
    enum err *results;
    struct apply_result *ars;
    uint32_t *ends;
    uint32_t cap;
    uint8_t *decoded; /* per request of the block: decoded ahead (chain.c) */
    uint32_t decoded_cap;
};
void chain_replay_buf_free(struct chain_replay_buf *rb);

/* A check of one journaled request against the state just before it
 * applies (audit: its signature against the key in force at that moment,
 * the rule the sequencer enforces). Returns ERR_OK or the error, with
 * the place written to why. */
typedef enum err (*chain_request_check_fn)(void *ctx, const struct engine *e,
                                           const struct store_request *r, uint64_t height);

/* chain_replay_block: apply a journaled block (reserve, begin, requests,
 * seal) and check that every result code, the number of events and the
 * state hash match the journal; with CHAIN_CHECK_EVENTS also the events
 * byte for byte (audit does; start-up leaves it to audit, for speed).
 * check (may be NULL) runs before each request. ERR_AUDIT_FAILED with the
 * place in why, or check's error. */
#define CHAIN_CHECK_EVENTS 1
enum err chain_replay_block(struct engine *e, const struct store_block *b,
                            const struct store_request *reqs, uint32_t n,
                            struct chain_replay_buf *rb, int checks, chain_request_check_fn check,
                            void *check_ctx, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* chain_signer_current: is pubkey (the key a request's signature verified
 * against at admission) still the key of operator `index` in the state as
 * it stands? The key in force when a command applies is the one that
 * counts (audit checks each request against the state just before it).
 * ERR_OK, ERR_AUTH_OPERATOR (removed) or ERR_AUTH_SIGNATURE (replaced). */
enum err chain_signer_current(const struct engine *e, uint32_t index, const uint8_t pubkey[32]);

/* chain_now_ns: the wall clock (CLOCK_REALTIME) in nanoseconds. */
int64_t chain_now_ns(void);

/* chain_snapshot: write a snapshot of the current state (caller holds the
 * lock for reading at least). */
enum err chain_snapshot(struct chain *c) __attribute__((warn_unused_result));

#endif
