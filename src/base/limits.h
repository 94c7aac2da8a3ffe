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

/* An oversize body is read to its end and discarded so the client gets its
 * 400 ERR_BODY_TOO_LARGE; past this many bytes the connection is closed
 * instead (a client streaming without end gets no thread for ever). */
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
/* Nonce length: long enough for 128-bit random hex, short enough to store. */
#define LIMIT_NONCE_BYTES 64u

/* Reads: the most events or history entries one request returns. */
#define LIMIT_READ_ROWS 1000u

/* Text echoed back to a client (error messages) is cut here. */
#define LIMIT_ECHO_BYTES 120u

/* Snapshots: one every this many blocks (and on clean shutdown). */
#define LIMIT_SNAPSHOT_EVERY_BLOCKS 2000u

#endif
