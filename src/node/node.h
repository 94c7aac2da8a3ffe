/*
 * node.h - the commands that run in-process rather than over HTTP:
 * creating a ledger, serving it, and auditing its store.
 *
 * Each returns a process exit code of SPEC 8 (0 done, 1 rejected, 2 usage,
 * 3 node unreachable or I/O) and prints its own human output on stdout
 * (JSON when `json` is set) and errors as "error: ERR_CODE: message" on
 * stderr.
 */
#ifndef MINTLINE_NODE_NODE_H
#define MINTLINE_NODE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/hash.h"

struct deliver_config;

struct serve_options {
    const char *data_dir;  /* directory holding mintline.db */
    const char *store_url; /* NULL or "sqlite" (DATA/mintline.db), or postgres://... */
    const char *listen;    /* "HOST:PORT", default 127.0.0.1:8645 */
    const char *advertise; /* this node's URL for clients (PostgreSQL: recorded as the leader's);
                            * NULL: http://LISTEN */
    int clock;             /* NODE_CLOCK_*: what --clock asked for */
    const char *holder;    /* written into the lock file: who serves (for the refusal) */
    const char *alert_rules;  /* --alert-rules FILE merged over the built-in rules, or NULL */
    int64_t eval_interval_ns; /* --eval-interval (0: 15s) on a wall clock */
    /* the alert receivers of --config's `alerting:` section (deliver.h);
     * NULL: none */
    const struct deliver_config *alerting;
    /* scheduled backups (backup.h): --backup-dir (NULL: none),
     * --backup-every (0: 24h), --backup-keep (0: 7) */
    const char *backup_dir;
    int64_t backup_every_ns;
    uint32_t backup_keep;
};

/* --clock: absent (the ledger's own mode), or asked for explicitly; a
 * request that contradicts the mode recorded at init is ERR_CLOCK_MODE. */
#define NODE_CLOCK_LEDGER 0
#define NODE_CLOCK_WALL 1
#define NODE_CLOCK_MANUAL 2

/* node_init: create a ledger in data_dir from the genesis YAML file;
 * refuses a dir that already holds one (ERR_DATA_EXISTS). clock_manual
 * makes a drill ledger (`init --clock manual`): its mode is recorded in
 * the genesis, and only such a ledger is ever served on a manual clock. */
int node_init(const char *data_dir, const char *store_url, const char *genesis_path,
              int clock_manual, int json);

/* node_init_check: `init --dry-run`: every check node_init makes (a DIR
 * holding a ledger or a system key, the genesis read and validated whole,
 * the clock), prints what it would create, writes nothing. */
int node_init_check(const char *data_dir, const char *store_url, const char *genesis_path,
                    int clock_manual, int json);

/* node_serve: recover (latest snapshot + replay) and serve until SIGINT or
 * SIGTERM, then drain and stop cleanly. */
int node_serve(const struct serve_options *opt);

/* node_audit_verify: re-check every block hash, state hash and command
 * signature of the store in data_dir, or at store_url (a --store URL;
 * NULL: data_dir's), node running or not. */
int node_audit_verify(const char *data_dir, const char *store_url, int json);

/* node_audit_run: the checks of node_audit_verify, printing nothing. On
 * ERR_OK *out holds what was proved (blocks counts block 0; head_hash is
 * the last block's hash, state_hash the state the replay reached); else
 * the error (ERR_AUDIT_FAILED, ERR_STORE_CORRUPT, ERR_STORE_IO,
 * ERR_NO_LEDGER, ERR_INTERNAL, ...) with the place in why ("" if none). */
struct node_audit_summary {
    uint64_t blocks;
    uint64_t requests;
    uint64_t commands;
    struct hash head_hash;
    struct hash state_hash;
};
enum err node_audit_run(const char *data_dir, struct node_audit_summary *out, char *why,
                        size_t why_size) __attribute__((warn_unused_result));

/* node_audit_run_url: node_audit_run on the store a --store URL names
 * (store_open_url). */
enum err node_audit_run_url(const char *data_dir, const char *store_url,
                            struct node_audit_summary *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* node_audit_print: what `audit verify` prints on success (human or JSON). */
void node_audit_print(const struct node_audit_summary *sum, int json);

/* The checks of node_audit_run fed from elsewhere (the journal stream of
 * GET /api/journal): begin with the genesis document and block 0, then
 * every block from 1 in order with its requests as journaled (bodies
 * included), then read the summary. Each returns ERR_OK or the error of
 * node_audit_run with the place in why; after an error, only free. */
struct store_block;
struct store_request;
struct node_audit;
enum err node_audit_begin(const char *genesis_json, size_t json_len, const struct store_block *b0,
                          struct node_audit **out, char *why, size_t why_size)
    __attribute__((warn_unused_result));
enum err node_audit_block(struct node_audit *a, const struct store_block *b,
                          const struct store_request *reqs, uint32_t count, char *why,
                          size_t why_size) __attribute__((warn_unused_result));
void node_audit_summary(const struct node_audit *a, struct node_audit_summary *out);
void node_audit_free(struct node_audit *a);

#endif
