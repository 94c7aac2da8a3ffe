/*
 * sim.h - the deterministic fault-injection simulator (prefix sim_): one
 * node (the real chain, sequencer, engine and SQLite store) over the
 * simulated VFS (simvfs.h), driven from one thread by a seeded workload,
 * and the model it is checked against. docs/SIMULATION.md says what is
 * simulated and how to run, reproduce and extend it.
 *
 * Files: sim.c (options, the step loop, reporting), sim_node.c (the node's
 * life: genesis, open, rounds, crashes, restarts), sim_load.c (clients,
 * keys and the random requests, built, signed and admitted as the HTTP
 * layer does), sim_check.c (the model of what was acknowledged, and every
 * check).
 */
#ifndef MINTLINE_TESTS_SIM_SIM_H
#define MINTLINE_TESTS_SIM_SIM_H

#include <stdint.h>

#include "../../src/base/sig.h"
#include "../../src/node/chain.h"
#include "../../src/node/sequencer.h"
#include "simvfs.h"

#define SIM_DATA_DIR "/sim/ledger"
#define SIM_OPERATORS 6u
#define SIM_KEYS_MAX 256u      /* keys one client remembers (the current one and the newest) */
#define SIM_ADDRESSES 12u
#define SIM_ROUND_MAX 8u       /* requests admitted before one block runs */
#define SIM_BATCH_MAX 8u
#define SIM_BODY_MAX 4096u
#define SIM_T0_MS INT64_C(1772366400000) /* 2026-03-01T12:00:00Z */

/* What became of a request the sequencer was given. */
enum sim_state {
    SIM_ACKED = 1, /* answered with results: must be journaled, as answered, forever */
    SIM_REFUSED,   /* answered with a fatal error before applying: never journaled */
    SIM_UNKNOWN,   /* its block's commit failed or the node died: journaled whole or not at all */
    SIM_LOST,      /* was unknown, and the restart showed it is not journaled: never may be */
};

/* The model's record of one request (nonce "n<id>", id from 1). */
struct sim_out {
    uint8_t state;  /* enum sim_state; 0: never reached the sequencer */
    uint8_t client;
    uint32_t count;
    uint64_t block;
    uint64_t first_seq;
    uint16_t *results; /* count codes, as answered */
    uint8_t seen;      /* found by the journal check in progress */
};

struct sim_client {
    const char *name;
    uint8_t seeds[SIM_KEYS_MAX][SIG_SEED_BYTES];
    uint32_t keys_count;
    uint32_t key;     /* the key the client signs with */
    int removed;      /* the ledger removed it (as far as the client knows) */
};

struct sim_model {
    struct sim_out *outs; /* indexed by nonce id */
    uint64_t outs_count;  /* ids 1..outs_count-1 in use */
    uint64_t outs_cap;
    uint64_t acked;
    /* The last durable block as the node last proved it. */
    uint64_t durable_height;
    struct hash durable_hash;
    struct hash durable_state;
    int unknown_pending; /* requests in SIM_UNKNOWN until the next restart */
};

/* Counters for the report and for docs/SIMULATION.md's figures. */
struct sim_counts {
    uint64_t rounds, requests, admitted, refused_admission, stale_refused, dry_runs;
    uint64_t restarts, crashes, kills, clean_stops, failed_blocks, adopted, lost;
    uint64_t audits, journal_checks, checkpoints, snapshots_used;
};

struct sim {
    uint64_t seed;
    uint64_t rng;
    uint32_t step;
    uint32_t steps;
    int verbose;
    /* the node */
    struct chain chain;
    struct sequencer *seq;
    int up;
    int start_faulted; /* the last start-up met injected faults (and got through) */
    struct sequencer_options seq_opt;
    /* the outside world */
    struct sim_client clients[SIM_OPERATORS];
    int64_t time_ms;
    struct sim_model model;
    struct sim_counts counts;
    /* the fault regime of this stretch of the run */
    struct simvfs_faults faults;
    int scripted; /* a scenario: only mints by alice, no random crashes */
    char fail[640];
};

/* --- randomness (splitmix64 over sim->rng) --- */
uint64_t sim_next(struct sim *s);
uint64_t sim_below(struct sim *s, uint64_t n);
int sim_percent(struct sim *s, unsigned p);

/* sim_failf: record the first failure (later ones are dropped); returns -1. */
int sim_failf(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_log(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- sim_load.c: clients and requests --- */
void sim_clients_init(struct sim *s);
/* sim_genesis_json: the sim's genesis document (canonical JSON, malloc'd). */
char *sim_genesis_json(struct sim *s);
/* sim_clients_sync: each client takes the key the ledger now holds for it. */
int sim_clients_sync(struct sim *s);
/* sim_round: admit 1..SIM_ROUND_MAX random requests, run them as one block,
 * record what became of each. Returns -1 on a check failure. */
int sim_round(struct sim *s);

/* --- sim_node.c: the node's life --- */
int sim_node_create(struct sim *s);
int sim_node_start(struct sim *s);      /* open (recovery) with retries; checks */
int sim_node_restart(struct sim *s);    /* a random stop: clean, kill, power loss */
int sim_node_after_crash(struct sim *s); /* the VFS crashed under the node: restart */
int sim_node_crash(struct sim *s, enum simvfs_crash how); /* die that way now, start again */
void sim_node_close(struct sim *s);     /* end of run: clean stop */
int sim_node_checkpoint(struct sim *s); /* an outside connection checkpoints the WAL */
void sim_faults_pick(struct sim *s);    /* a new fault regime */
void sim_faults_apply(struct sim *s);
void sim_faults_off(void);

/* --- sim_check.c: the model and the checks --- */
struct sim_out *sim_model_new(struct sim *s, uint64_t *id);
struct sim_out *sim_model_get(struct sim *s, uint64_t id);
void sim_model_free(struct sim_model *m);
/* sim_check_step: invariants, and the engine against the store's head. */
int sim_check_step(struct sim *s);
/* sim_check_journal: every acknowledged request journaled as answered,
 * nothing refused or lost journaled; with resolve, unknown ones are
 * adopted (journaled) or declared lost. */
int sim_check_journal(struct sim *s, int resolve);
/* sim_check_recovered: after a start, the recovered state against the
 * last durable block, and the snapshot start-up used. */
int sim_check_recovered(struct sim *s);
/* sim_check_audit: `audit verify` over the store agrees with the node. */
int sim_check_audit(struct sim *s);

#endif
