/*
 * limits.h - every bound in mintline, named once, with why.
 *
 * Reaching a limit returns an error (usually ERR_LIMIT_REACHED, or the
 * input error the limit protects); it never crashes or grows without bound.
 */
#ifndef MINTLINE_BASE_LIMITS_H
#define MINTLINE_BASE_LIMITS_H

/* SPEC 7: one command may be 1 MiB, a batch 16 MiB. */
#define LIMIT_BODY_SINGLE_BYTES (1u << 20)
#define LIMIT_BODY_BATCH_BYTES (16u << 20)

/* A request refused from its headers although they look like a signed
 * client's (body over the limit, ERR_OVERLOADED) has its body read and
 * dropped, never kept, so that the client gets its answer; a body declared
 * longer than this is not read: the answer is sent at once and the
 * connection closed. */
#define LIMIT_BODY_DISCARD_BYTES (64u << 20)

/* Commands in one signed batch: 8,000-transfer batches are the benchmark's
 * unit; twice that leaves room while bounding one request's memory. */
#define LIMIT_BATCH_COMMANDS 16384u

/* Commands in one block: the sequencer cuts a block here. Bounds the undo
 * log and the events buffer the engine preallocates. */
#define LIMIT_BLOCK_COMMANDS 65536u

/* Fields one command object may carry ("op" included): every op has at
 * most OP_FIELDS_MAX arguments; a little room lets the error name the
 * unknown field instead of a count. */
#define LIMIT_COMMAND_ARGS 12u

/* A forced NAV update's reason: a sentence for the audit trail, counted in
 * characters (Unicode code points), so that a reason in Greek or Japanese
 * gets the same room as one in English. The byte bound is what one code
 * point can take in UTF-8 (4 bytes), so any 200 characters fit and the
 * request arena stays bounded. */
#define LIMIT_REASON 200u
#define LIMIT_REASON_BYTES (LIMIT_REASON * 4u)

/* Bytes of one argument's text (amounts, addresses, symbols, durations,
 * reasons): longer values are refused as invalid. The longest is a reason. */
#define LIMIT_ARG_TEXT LIMIT_REASON_BYTES

/* Events one command may emit (a transfer emits one; batch-like ops more). */
#define LIMIT_EVENTS_PER_COMMAND 8u

/* Assets, operators and role grants: a ledger serves a team's handful of
 * tokens; fixed tables keep the small state copyable for dry runs. */
#define LIMIT_ASSETS 64u
#define LIMIT_OPERATORS 128u
#define LIMIT_GRANTS 1024u

/* Governance: approvals a policy may ask for (there are at most
 * LIMIT_OPERATORS operators; more than 16 distinct approvers is no policy a
 * team can meet), policy rows, and open proposals and timelock entries
 * (fixed tables: they are part of the small state a savepoint copies). */
#define LIMIT_APPROVALS 16u
#define LIMIT_POLICIES 256u
#define LIMIT_PROPOSALS 128u
#define LIMIT_TIMELOCK 128u

/* Reserve reports held at once, over all fiat assets (each reporter's
 * latest per asset), and how long one counts (SPEC 6: 1h). */
#define LIMIT_RESERVE_REPORTS 128u
#define RESERVE_REPORT_MAX_AGE_NS (INT64_C(3600) * 1000000000)

/* Price feeds (collateral prices the vaults will read), from genesis. */
#define LIMIT_FEEDS 32u

/* Security tokens (SPEC 5): partitions of one asset (REG_D, REG_S, and a
 * few more a transfer agent may run side by side: each is a key range of
 * the holdings table and up to three records a recover moves), their
 * names [A-Z0-9_]{1,16}. */
#define LIMIT_PARTITIONS 4u
#define LIMIT_PARTITION_NAME 16u

/* Payouts (SPEC 6): snapshots and payouts kept at once. Headers live in
 * the small state (copied by savepoints), a snapshot's balances in the
 * holdings table, so neither is ever dropped: 128 of each is a quarterly
 * dividend on a few assets for decades. Reaching one is ERR_LIMIT_REACHED. */
#define LIMIT_PAYOUT_SNAPSHOTS 128u
#define LIMIT_PAYOUTS 128u

/* Incidents and maintenance windows (SPEC 9), kept in the small state:
 * the last LIMIT_INCIDENTS incidents (when full, the oldest resolved one
 * leaves the state; its commands stay in the journal) and the last
 * LIMIT_MAINTENANCE windows. A title or a window's reason is kept in the
 * state and so is short (a subject line); notes and summaries live in the
 * journal (LIMIT_REASON). */
#define LIMIT_INCIDENTS 128u
#define LIMIT_MAINTENANCE 16u
#define LIMIT_TITLE_BYTES 95u

/* Holdings (address, asset) pairs: 2^26 = 67M; the table doubles up to it. */
#define LIMIT_HOLDINGS (1u << 26)

/* Names: operator [a-z][a-z0-9_-]{0,31}; symbol [A-Z][A-Z0-9.-]{1,15}. */
#define LIMIT_OPERATOR_NAME 32u
#define LIMIT_SYMBOL 16u
#define LIMIT_CURRENCY 8u

/* Amounts: 2^128-1 has 39 digits; plus a dot, 18 fraction digits at most
 * in the shortest form and a NUL. */
#define LIMIT_AMOUNT_TEXT 64u

/* JSON nesting accepted in a request body (jansson itself caps at 2048). */
#define LIMIT_JSON_DEPTH 32u

/* SPEC 7: requests more than 5 minutes off the node's clock are refused. */
#define LIMIT_AUTH_WINDOW_MS (5 * 60 * 1000)
/* A retry of a command request (its nonce already seen) whose original is
 * not in the journal yet waits this long at most for what was queued
 * before it to commit, then is answered from the journal or refused
 * (api_commands.c): long enough for a block under load, short enough that
 * a reused nonce is refused within a client's patience. */
#define LIMIT_RETRY_WAIT_MS 2000
/* Nonce length: long enough for 128-bit random hex, short enough to store. */
#define LIMIT_NONCE_BYTES 64u

/* Nonces remembered (auth.c). A nonce is kept until its request's
 * Mintline-Time leaves the window: up to 10 minutes for a request dated 5
 * minutes ahead. Each operator has its own share, with reads (GET) and
 * writes (POST /api/commands) counted apart, so a flood can only
 * rate-limit (429) the operator that sends it, on the path it floods: an
 * operator flooding reads can still pause, and nobody else notices.
 * READ: 32,768 live read nonces, 109 signed reads/s sustained per operator
 * (the console and scripts read a few a second). WRITE: 131,072, 437
 * signed requests/s sustained (each up to LIMIT_BATCH_COMMANDS commands).
 * RESERVED: the first 1,024 of each share are the operator's whatever
 * others do; past them a share draws on POOL, which bounds the memory of
 * the whole table: at most (POOL + 2 x RESERVED x SHARES) nonces, 16-byte
 * slots at load 1/4..1/2, 64 MiB at the very worst; a quiet ledger uses
 * a few KiB. SHARES: operators with live nonces, current and removed
 * within the window (twice LIMIT_OPERATORS). */
#define LIMIT_AUTH_NONCES_READ (1u << 15)
#define LIMIT_AUTH_NONCES_WRITE (1u << 17)
#define LIMIT_AUTH_NONCES_RESERVED 1024u
#define LIMIT_AUTH_NONCES_POOL (1u << 19)
#define LIMIT_AUTH_SHARES (2u * LIMIT_OPERATORS)

/* HTTP connections (http.c): one thread each (handlers wait for the
 * sequencer), watched with select(), so the limit stays well under
 * FD_SETSIZE (1024). When more than LIMIT_HTTP_CONNECTIONS minus
 * LIMIT_HTTP_CONNECTIONS_SPARE are open, each new connection evicts the
 * oldest one that is not answering a request (idle, reading headers, or
 * sending a body not yet verified): idle or slow clients can never hold
 * every slot, and the spare slots absorb new connections while the
 * evicted ones close. */
#define LIMIT_HTTP_CONNECTIONS 512u
#define LIMIT_HTTP_CONNECTIONS_SPARE 64u

/* A connection where no byte moves for this long is closed: idle between
 * requests, slow headers, a stalled body. A request being answered has no
 * timeout (its answer must reach the client, however long the sequencer
 * takes). Clients that keep connections open reconnect. */
#define LIMIT_HTTP_IDLE_TIMEOUT_S 5u

/* Bytes of request bodies admitted but not yet verified, over all
 * connections. The declared Content-Length is reserved when the headers
 * arrive (before any of the body is read) and returned when the signature
 * verifies or the request ends; over the limit the request is answered
 * 503 ERR_OVERLOADED. Four full batches at once; what unsigned clients
 * can make the node hold. */
#define LIMIT_HTTP_UNVERIFIED_BYTES (64u << 20)

/* A body this small is admitted outside that budget: an emergency `pause`
 * (about 100 bytes) must get in even while forged headers naming a real
 * operator trickle large bodies that hold the whole budget. What it can
 * cost is bounded by the connection limit: 512 x 64 KiB = 32 MiB. */
#define LIMIT_HTTP_SMALL_BODY_BYTES (64u << 10)

/* Reads: the most events or history entries one request returns. */
#define LIMIT_READ_ROWS 1000u

/* Text echoed back to a client (error messages) is cut here. */
#define LIMIT_ECHO_BYTES 120u

/* Snapshots (and one on clean shutdown). A snapshot saves the replay of
 * the commands since the last one and costs the state's serialisation
 * under the engine's lock (~0.5 s for 1M holders) plus its write (38 MB):
 * due every LIMIT_SNAPSHOT_EVERY_BLOCKS blocks once at least
 * LIMIT_SNAPSHOT_MIN_COMMANDS commands ran since the last (a quarter of a
 * second of replay), and every LIMIT_SNAPSHOT_MAX_BLOCKS blocks whatever
 * they held (a block costs replay a store read and a seal however small). */
#define LIMIT_SNAPSHOT_EVERY_BLOCKS 2000u
#define LIMIT_SNAPSHOT_MIN_COMMANDS 250000u
#define LIMIT_SNAPSHOT_MAX_BLOCKS 20000u

/* Alert rules (src/ops, SPEC 9). A rule file is configuration a person
 * writes: 1 MiB holds thousands of rules. An expression is a line or a few
 * (the longest built-in is under 150 bytes); 4 KiB leaves room without
 * letting one rule's evaluation grow unbounded. Nesting bounds the
 * parser's recursion; label lists and matchers bound one selector or
 * grouping. Rules in force at once (built-ins included) and templates'
 * length bound what the evaluator does per round. */
#define LIMIT_RULES_FILE_BYTES (1u << 20)
#define LIMIT_RULES 512u
#define LIMIT_RULE_NAME 128u
#define LIMIT_RULE_LABELS 32u
#define LIMIT_RULE_TEXT 4096u
#define LIMIT_PROMQL_EXPR_BYTES 4096u
#define LIMIT_PROMQL_DEPTH 64u
#define LIMIT_PROMQL_MATCHERS 32u
#define LIMIT_PROMQL_GROUPING 32u
/* A saved /metrics scrape read offline (alerts rules --eval): 100 assets
 * print about 200 KiB; 16 MiB is far past any node's. */
#define LIMIT_METRICS_TEXT_BYTES (16u << 20)
/* Alerts the evaluation loop keeps at once (pending, firing, and resolved
 * ones for 15 minutes): every built-in rule firing on 100 assets is about
 * 3,000; past the limit a rule's new alerts are not kept and the rule is
 * counted as failed (mintline_rule_evaluation_failures_total). */
#define LIMIT_ALERTS 16384u
/* Evaluation rounds after one block on a manual clock: the block, then the
 * block of the actions it triggered, and so on (an action's own effect can
 * trigger another rule's action); bounded so that rules that keep acting
 * on each other cannot hold the sequencer. */
#define LIMIT_ALERT_ROUNDS 4u

/* Alert receivers (src/node/deliver.c, SPEC 9). A handful of receivers is
 * what anyone runs (Alertmanager does the fan-out); names go into metric
 * labels. A queue holds 256 payloads (over an hour of evaluations at the
 * default 15s while a receiver is down) and at most 64 MiB, whichever
 * comes first; the oldest payload is dropped (and counted) past either.
 * The configuration file is a person's text, like a rule file. */
#define LIMIT_RECEIVERS 16u
#define LIMIT_RECEIVER_NAME 64u
#define LIMIT_RECEIVER_URL 1024u
#define LIMIT_DELIVER_QUEUE 256u
#define LIMIT_DELIVER_QUEUE_BYTES (64u << 20)
#define LIMIT_CONFIG_FILE_BYTES (1u << 20)

/* Stabilizers (src/engine/stabilizer.c): one per pegged asset; a feed
 * drives at most one. A window of 32 observed blocks is three times SPEC 6's
 * example (10) and keeps a stabilizer near 1 KiB of the small state that
 * savepoints copy. */
#define LIMIT_STABILIZERS 16u
#define LIMIT_STABILIZER_WINDOW 32u
/* The bridge (SPEC 6): routes (a chain and an asset each: a handful of
 * chains per token), transfers kept in the state (transfer id n in slot
 * n mod LIMIT_BRIDGE_TRANSFERS; a send is refused while the one
 * LIMIT_BRIDGE_TRANSFERS ids before it is unfinished, so at most that
 * many are in flight; finished ones are overwritten, their commands stay
 * in the journal), and per route the last LIMIT_BRIDGE_SETTLE_RING
 * settlement times its p50/p95 are taken over. */
#define LIMIT_BRIDGE_ROUTES 16u
#define LIMIT_BRIDGE_TRANSFERS 512u
#define LIMIT_BRIDGE_SETTLE_RING 64u

#endif
