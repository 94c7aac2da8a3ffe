/*
 * engine.h - the deterministic state machine: apply(state, command, time).
 *
 * The engine is pure: no I/O, no wall clock, no randomness, no threads and
 * no allocation on the path that applies a transfer. Everything it outputs
 * or hashes is independent of hash-table layout. Memory is allocated when
 * the engine opens and, deliberately, in engine_reserve() between blocks.
 *
 * Lifecycle of a block (driven by the sequencer, or by replay):
 *   engine_reserve(e, n)            grow tables so n commands cannot fail for room
 *   engine_block_begin(e, time)     block time = max(ledger time, time)
 *   engine_apply(e, cmd, ...)       zero or more times; each consumes a seq
 *   engine_block_seal(e, &hash)     fold changes into the state hash; height++
 * engine_savepoint()/engine_rollback() undo everything applied since the
 * savepoint (dry runs, atomic batches).
 *
 * Invariants (checked by engine_check_invariants and the tests): for each
 * asset, supply = minted_total - burned_total = sum of balances; holders
 * equals the number of non-zero balances.
 */
#ifndef MINTLINE_ENGINE_ENGINE_H
#define MINTLINE_ENGINE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/hash.h"
#include "../base/limits.h"
#include "../base/u128.h"
#include "bridge.h"
#include "command.h"
#include "compliance.h"
#include "event.h"
#include "holdings.h"
#include "incident.h"
#include "payout.h"
#include "por.h"
#include "role.h"
#include "stabilizer.h"
#include "vault.h"

enum asset_kind { ASSET_FUND, ASSET_FIAT, ASSET_SECURITY, ASSET_PLAIN, ASSET_KIND__COUNT };

const char *asset_kind_name(enum asset_kind kind);

/* Limits flags: a limit not set is no limit (SPEC 3). */
#define ASSET_HAS_SUPPLY_CAP 1u
#define ASSET_HAS_DAILY_MINT_LIMIT 2u
#define ASSET_HAS_DAILY_INFLOW_LIMIT 4u

#define GOVERNANCE_PROPOSAL_TTL_DEFAULT (INT64_C(24) * 3600 * 1000000000)
#define GOVERNANCE_TIMELOCK_GRACE (INT64_C(14) * 86400 * 1000000000)

struct asset {
    char symbol[LIMIT_SYMBOL + 1];
    char currency[LIMIT_CURRENCY];
    uint8_t kind;     /* enum asset_kind */
    uint8_t decimals; /* 0..18 */
    uint8_t paused;
    uint8_t mint_halted;
    uint32_t limit_flags;
    uint32_t nav_max_deviation_ppm;
    uint32_t reserve_quorum;
    int64_t nav_max_age_ns;
    u128 supply;
    u128 minted_total;
    u128 burned_total;
    u128 supply_cap;
    u128 daily_mint_limit;
    u128 daily_inflow_limit;
    /* Day counters: valid for UTC day `day` (block time / 1 day). */
    int64_t day;
    u128 minted_today;
    u128 burned_today;
    uint64_t holders_count;
    /* NAV (fund assets): 8 fraction digits; nav_updated_ns 0 = none yet */
    u128 nav;
    int64_t nav_updated_ns;
    uint32_t nav_deviation_ppm; /* of the last update */
    uint64_t nav_force_count;
    /* Reserve attestation (fiat): USD value (8 fraction digits), hash, time */
    u128 attested_usd;
    uint8_t attest_hash[32];
    int64_t attested_ns;
    /* The latest proof-of-reserves publication (fiat) */
    struct por_header por;
};

/* A reserve reporter's latest report for a fiat asset. */
struct reserve_report {
    uint16_t asset;
    uint32_t reporter;
    u128 amount; /* base units of the asset */
    int64_t time_ns;
};

struct operator {
    char name[LIMIT_OPERATOR_NAME + 1];
    uint8_t pubkey[32];
    uint32_t roles; /* global roles, bit (1 << enum role) */
    int64_t key_created_ns;
    uint8_t removed; /* slot kept so indices stay stable; cannot sign or act */
};

/* A role granted for one asset. */
struct grant {
    uint16_t operator_index;
    uint16_t asset_index;
    uint32_t roles;
};

/* A price feed: a value with 8 fraction digits, its time, its freeze. */
#define FEED_DECIMALS 8u
#define FEED_MAX_AGE_DEFAULT (INT64_C(3600) * 1000000000)
struct feed {
    char name[LIMIT_SYMBOL + 1];
    uint8_t frozen;
    int64_t max_age_ns;
    u128 value;         /* 0: never updated */
    int64_t updated_ns;
};

/* A policy row: what an op needs, for one asset or (POLICY_ANY_ASSET) all. */
#define POLICY_ANY_ASSET UINT16_MAX
struct policy {
    uint16_t op;
    uint16_t asset;
    uint32_t approvals;
    int64_t timelock_ns;
};

/* A command waiting for approvals (SPEC 4). approvers: bit i = operator i. */
struct proposal {
    uint64_t id;
    struct command cmd; /* the exact command; cmd.operator_index is the proposer */
    uint32_t needed;
    uint64_t approvers[2];
    int64_t created_ns;
    int64_t expires_ns;
};

/* A command scheduled to run no earlier than eta. */
struct timelock_entry {
    uint64_t id;
    struct command cmd; /* cmd.operator_index is who submitted it */
    uint64_t proposal_id; /* 0 when it needed no approvals */
    int64_t eta_ns;
};

/* Everything but the holdings: small, fixed size, copied whole by savepoints. */
struct engine_state {
    uint64_t height;         /* last sealed block */
    uint64_t next_seq;       /* next command seq (rejected commands count) */
    uint64_t next_event_seq; /* next event seq */
    int64_t time_ns;         /* ledger time: the current block's time */
    uint8_t paused;          /* global pause */
    uint32_t controller;     /* operator index */
    uint32_t controller_pending; /* proposed by the controller; UINT32_MAX: none */
    uint32_t assets_count;
    uint32_t operators_count;
    uint32_t grants_count;
    uint32_t restricted_count; /* blacklist/freeze records in the holdings (restrict.h) */
    uint32_t identities_count; /* identity records in the holdings (compliance.h) */
    struct asset assets[LIMIT_ASSETS];
    struct operator operators[LIMIT_OPERATORS];
    struct grant grants[LIMIT_GRANTS];
    uint32_t feeds_count;
    struct feed feeds[LIMIT_FEEDS];
    uint32_t reserve_reports_count;
    struct reserve_report reserve_reports[LIMIT_RESERVE_REPORTS];
    /* governance */
    int64_t proposal_ttl_ns;
    uint64_t next_proposal_id;
    uint64_t next_timelock_id;
    uint32_t policies_count;
    uint32_t proposals_count;
    uint32_t timelock_count;
    struct policy policies[LIMIT_POLICIES];
    struct proposal proposals[LIMIT_PROPOSALS];
    struct timelock_entry timelock[LIMIT_TIMELOCK];
    /* security assets' rules (compliance.h), by asset index */
    struct asset_rules rules[LIMIT_ASSETS];
    /* payouts (payout.h): id = index + 1 */
    uint32_t payout_snapshots_count;
    uint32_t payouts_count;
    struct payout_snapshot payout_snapshots[LIMIT_PAYOUT_SNAPSHOTS];
    struct payout payouts[LIMIT_PAYOUTS];
    /* incidents, maintenance windows, the system operator (incident.h) */
    struct incident_book inc;
    /* stabilizers (stabilizer.h) */
    struct stabilizer_book stab;
    /* the bridge: routes, transfers (bridge.h) */
    struct bridge_book bridge;
    /* vault types and vaults (vault.h) */
    struct vault_book vlt;
};

struct engine {
    struct engine_state s;
    struct holdings holdings;
    /* Order-independent sum of the holdings' entry hashes (mod 2^256). */
    uint64_t holdings_acc[4];
    /* Savepoint copy of s (engine_savepoint). */
    struct engine_state *saved;
    uint32_t saved_undo_len;
    int saved_active;
    /* Proof-of-reserves trees of the latest publications (por.h), and the
     * ones replaced while a savepoint is active (bit per asset). */
    struct por_tree *por[LIMIT_ASSETS];
    struct por_tree *por_stash[LIMIT_ASSETS];
    uint64_t por_stashed;
    /* The block checkpoint (engine_block_checkpoint): the small state, the
     * accumulator and the trees as they were before the block, kept until
     * the store has it (commit) or not (abort). */
    struct engine_state *block_saved;
    uint64_t block_acc[4];
    int block_active;
    struct por_tree *por_block_stash[LIMIT_ASSETS];
    uint64_t por_block_stashed;
    /* Set only while bridge.c moves its own escrow through ledger.c (not
     * state: set and cleared inside one command; bridge_is_escrow). */
    int bridge_moving;
};

/* What engine_apply reports besides its error code. */
#define APPLY_DONE 0
#define APPLY_PROPOSED 1  /* waits for approvals: pending_id is the proposal */
#define APPLY_SCHEDULED 2 /* waits in the timelock: pending_id, eta_ns */
#define APPLY_DETAIL_SIZE 160u
struct apply_result {
    uint64_t seq;      /* the command's seq, consumed whether it succeeded or not */
    const char *note;  /* static text, e.g. "already paused"; NULL when none */
    uint8_t pending;   /* APPLY_* */
    uint64_t pending_id;
    int64_t eta_ns;
    /* An approve or timelock execute that ran its command: the proposal or
     * entry, and the command's own result (ERR_OK or why it failed; the
     * approval itself is recorded either way). A timelock.expedite names
     * the entry it ran and the entry's result; an approval that released
     * an expedite names its proposal and the entry's result. */
    uint64_t ran_id;
    enum err ran_err;
    /* Why the command (or the one an approval ran) failed, in words the
     * error code alone cannot carry (ERR_TAX_FORM_MISSING: which
     * recipients); "" when none. engine_apply resets only its first byte
     * (the struct is not cleared whole: the transfer path is measured);
     * a handler writes it on failure. Never journaled: replay recomputes
     * it. Keep it last (engine_apply clears what precedes it). */
    char detail[APPLY_DETAIL_SIZE];
};

/* engine_open: initialise an empty engine (no assets, no operators) in
 * place, with room for `holdings_hint` holdings. ERR_INTERNAL when memory
 * cannot be had; on error nothing is left to free. */
enum err engine_open(struct engine *e, uint32_t holdings_hint) __attribute__((warn_unused_result));

/* engine_close: free everything engine_open and engine_reserve allocated. */
void engine_close(struct engine *e);

/* engine_reserve: make sure `commands` further commands cannot run out of
 * holdings-table room. May allocate and rehash, so it is called only
 * between blocks (after a seal, before a begin) and never with a savepoint
 * active (asserted). Undo-log room is engine_block_room's business.
 * ERR_LIMIT_REACHED when the tables are at their maximum; ERR_INTERNAL on
 * allocation failure. */
enum err engine_reserve(struct engine *e, uint32_t commands) __attribute__((warn_unused_result));

/* engine_reserve_room: engine_reserve, plus room for `extra` further
 * inserts (and ENGINE_UNDO_PER_ROOM undo records each): the sum of
 * engine_command_room over the block's commands. */
#define ENGINE_UNDO_PER_ROOM 3u
enum err engine_reserve_room(struct engine *e, uint32_t commands, uint64_t extra)
    __attribute__((warn_unused_result));

/* engine_command_room: the room cmd may need beyond the one insert and
 * HOLDINGS_UNDO_PER_COMMAND undo records every command has (a recover on
 * a partitioned asset, a payout over every holder), judged on the state
 * before its block: an upper bound whatever the block's earlier commands
 * do. An approval or timelock execution counts as the command it may
 * release. Writers and replay sum it over a block before applying it. */
uint32_t engine_command_room(const struct engine *e, const struct command *cmd);
/* engine_command_room_max: the most any one command may need now. */
uint32_t engine_command_room_max(const struct engine *e);

/* engine_block_room: how many more commands fit in the current block's
 * undo log (each value-moving command needs up to two records). */
uint32_t engine_block_room(const struct engine *e);

/* engine_block_begin: start a block at time max(ledger time, time_ns). */
void engine_block_begin(struct engine *e, int64_t time_ns);

/* engine_apply: apply one decoded command at the ledger time. Appends the
 * events it emits to `events` (nothing on failure). Returns ERR_OK or the
 * business error; a failed command changes nothing but consumes its seq.
 * Needs room reserved by engine_reserve (asserted). */
enum err engine_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                      struct apply_result *out);

/* engine_apply_dry: engine_apply for a dry run (under a savepoint the
 * caller rolls back). A command its policy would make a proposal or a
 * timelock entry is also run as if released now (SPEC 7: "runs every check
 * and returns the events the command would emit when released"): the
 * result is the command's own, the events are its own, and out->pending /
 * pending_id / eta_ns say what it would become. */
enum err engine_apply_dry(struct engine *e, const struct command *cmd, struct event_buf *events,
                          struct apply_result *out);

/* engine_prefetch: prefetch the holdings a command will touch (a hint: no
 * effect on state). Apply loops call it a few commands ahead. */
void engine_prefetch(const struct engine *e, const struct command *cmd);

/* engine_consume_seqs: advance the command seq by n without applying
 * anything (the commands of an atomic batch that was rolled back keep the
 * seqs they were journaled with). */
void engine_consume_seqs(struct engine *e, uint32_t n);

/* engine_block_seal: fold the block's changes into the state hash, write it
 * to *state_hash, and advance height. */
void engine_block_seal(struct engine *e, struct hash *state_hash);

/* engine_block_checkpoint / engine_block_commit / engine_block_abort: the
 * undo of a whole block, for a writer that must not keep a block its store
 * could not journal. Checkpoint between blocks (no savepoint active, before
 * engine_block_begin); engine_block_seal then keeps what abort needs; after
 * the store's answer, commit keeps the block or abort restores the state
 * exactly as it was at the checkpoint (height, seqs, time, holdings, state
 * hash, trees). Abort may also come before the seal (nothing to journal).
 * Savepoints (dry runs, atomic batches) work inside a checkpointed block.
 * Replay and audit never checkpoint: they stop at the first mismatch. */
void engine_block_checkpoint(struct engine *e);
void engine_block_commit(struct engine *e);
void engine_block_abort(struct engine *e);

/* engine_state_hash: the state hash of the state as it stands (only
 * meaningful between blocks). */
void engine_state_hash(const struct engine *e, struct hash *out);

/* engine_savepoint / engine_rollback / engine_release: one level of undo.
 * Rollback restores the state exactly as it was at the savepoint (seqs
 * included); release keeps the changes. Savepoints do not nest. */
enum err engine_savepoint(struct engine *e) __attribute__((warn_unused_result));
void engine_rollback(struct engine *e);
void engine_release(struct engine *e);

/* Lookups. Return an index, or -1 when absent. Symbols and names exact. */
int engine_asset_find(const struct engine *e, const char *symbol, size_t len);
int engine_operator_find(const struct engine *e, const char *name, size_t len);
int engine_feed_find(const struct engine *e, const char *name, size_t len);

/* engine_balance: balance of addr in asset (0 when not a holder). */
u128 engine_balance(const struct engine *e, uint32_t asset, const struct addr *addr);

/* engine_operator_may: does operator hold `role` globally or for asset
 * (asset < 0: global only)? */
int engine_operator_may(const struct engine *e, uint32_t operator_index, enum role role,
                        int asset);

/* engine_day_counters: today's minted and burned for an asset at `time_ns`
 * (zero when the stored counters belong to another day). */
void engine_day_counters(const struct engine *e, uint32_t asset, int64_t time_ns, u128 *minted,
                         u128 *burned);

/* engine_policy: the approvals and delay `op` needs for `asset` (-1: no
 * asset): the asset's row, else the op's row for all assets, else the
 * default table of SPEC 4. */
void engine_policy(const struct engine *e, enum op op, int asset, uint32_t *approvals,
                   int64_t *timelock_ns);

/* engine_check_invariants: O(holdings) sweep of the SPEC 3 invariants.
 * Returns 0 when they hold, else -1 (tests and audit call it). */
int engine_check_invariants(const struct engine *e);

/* Snapshots: the whole state in a binary form. Reading replaces whatever
 * the engine held; it verifies shape and bounds before allocating (the
 * bytes come from disk) and returns ERR_IO on any mismatch, leaving the
 * engine empty but valid (ERR_INTERNAL when even that needed memory it
 * could not have: then only engine_close is safe). */
struct buf;
void engine_snapshot_write(const struct engine *e, struct buf *out);
/* engine_snapshot_bytes_hint: about what engine_snapshot_write will append
 * (the holdings and proof-of-reserves records; the small state is not
 * counted): room a caller can make ahead of the copy. */
size_t engine_snapshot_bytes_hint(const struct engine *e);
enum err engine_snapshot_read(struct engine *e, const uint8_t *data, size_t len)
    __attribute__((warn_unused_result));

#endif
