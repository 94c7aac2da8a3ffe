/*
 * err.h - the one table of error codes, stable forever.
 *
 * Each row: the code, the HTTP status an API client sees, and the message.
 * A retired code keeps its row; codes are never renumbered (append only).
 * ERR_OK is 0 so that `if (err) return err;` reads naturally.
 */
#ifndef MINTLINE_BASE_ERR_H
#define MINTLINE_BASE_ERR_H

#define ERR_TABLE(X)                                                                               \
    X(OK, 200, "ok")                                                                               \
    /* SPEC 3: controls on value-moving commands, in check order */                                \
    X(UNAUTHORIZED, 403, "operator lacks the role for this op and asset")                         \
    X(PAUSED, 409, "paused")                                                                       \
    X(MINT_HALTED, 409, "minting is halted for this asset")                                       \
    X(BLACKLISTED, 409, "address is blacklisted")                                                  \
    X(FROZEN, 409, "address is frozen")                                                            \
    X(NOT_WHITELISTED, 409, "receiver is not verified")                                            \
    X(CLAIM_EXPIRED, 409, "required claim has expired")                                           \
    X(JURISDICTION, 409, "country not allowed")                                                    \
    X(PARTITION, 409, "partition rule refused")                                                    \
    X(LOCKUP, 409, "partition is locked up")                                                       \
    X(HOLDER_LIMIT, 409, "holder limit reached")                                                   \
    X(MAX_BALANCE, 409, "balance would exceed max_balance")                                       \
    X(INSUFFICIENT_BALANCE, 409, "insufficient unfrozen balance")                                  \
    X(SUPPLY_CAP, 409, "supply cap exceeded")                                                      \
    X(DAILY_MINT_LIMIT, 409, "daily mint limit exceeded")                                          \
    X(DAILY_INFLOW_LIMIT, 409, "daily net inflow limit exceeded")                                  \
    X(NAV_STALE, 409, "NAV is stale")                                                              \
    X(NAV_MISSING, 409, "no NAV yet")                                                              \
    X(QUORUM_NOT_MET, 409, "reserve quorum not met")                                               \
    X(RESERVE_INSUFFICIENT, 409, "verified reserve below supply")                                  \
    /* input */                                                                                    \
    X(INVALID_AMOUNT, 400, "invalid amount")                                                       \
    X(INVALID_ADDRESS, 400, "invalid address")                                                     \
    X(INVALID_ARGUMENT, 400, "invalid argument")                                                   \
    X(INVALID_JSON, 400, "malformed JSON")                                                         \
    X(MISSING_FIELD, 400, "missing field")                                                         \
    X(UNKNOWN_FIELD, 400, "unknown field")                                                         \
    X(UNKNOWN_OP, 400, "unknown op")                                                               \
    X(BODY_TOO_LARGE, 400, "request body over the limit")                                         \
    X(BATCH_TOO_LARGE, 400, "too many commands in one batch")                                     \
    X(INVALID_DURATION, 400, "invalid duration")                                                   \
    X(UNKNOWN_ASSET, 404, "unknown asset")                                                         \
    X(NOT_FOUND, 404, "not found")                                                                 \
    X(METHOD_NOT_ALLOWED, 405, "method not allowed")                                               \
    /* signatures (SPEC 7) */                                                                      \
    X(AUTH_MISSING, 401, "missing signature headers")                                             \
    X(AUTH_OPERATOR, 401, "unknown operator")                                                      \
    X(AUTH_SIGNATURE, 401, "bad signature")                                                        \
    X(AUTH_TIME, 401, "request time outside the 5-minute window")                                 \
    X(AUTH_NONCE, 401, "nonce already used")                                                       \
    /* rules */                                                                                    \
    X(OVERFLOW, 409, "amount arithmetic would overflow")                                          \
    X(CLOCK_NOT_MANUAL, 409, "dev advance needs a node started with --clock manual")              \
    X(LIMIT_REACHED, 409, "a built-in capacity limit was reached")                                \
    /* node and tools */                                                                           \
    X(NOT_READY, 503, "node not ready")                                                            \
    X(STORE_IO, 503, "store write failed; node refuses writes until restarted")                   \
    X(RATE_LIMITED, 429, "rate limited")                                                           \
    X(INTERNAL, 500, "internal error")                                                             \
    X(IO, 500, "I/O error")                                                                        \
    X(USAGE, 400, "usage error")                                                                   \
    X(NODE_UNREACHABLE, 503, "node unreachable")                                                   \
    X(INVALID_GENESIS, 400, "invalid genesis")                                                     \
    X(DATA_EXISTS, 409, "data directory already holds a ledger")                                  \
    X(NO_LEDGER, 404, "no ledger in the data directory")                                           \
    X(KEY_EXISTS, 409, "key file already exists")                                                  \
    X(KEY_FILE, 400, "unreadable or malformed key file")                                           \
    X(AUDIT_FAILED, 409, "audit found a mismatch")                                                 \
    X(INVALID_CONFIG, 400, "invalid configuration")                                                \
    X(INVALID_SYMBOL, 400, "invalid asset symbol")                                                 \
    X(INVALID_NAME, 400, "invalid operator name")                                                  \
    X(BATCH_ABORTED, 409, "not applied: another command of the atomic batch failed")              \
    /* governance (SPEC 4) */                                                                      \
    X(SAME_OPERATOR, 409, "this operator has already approved")                                   \
    X(PROPOSAL_EXPIRED, 409, "proposal expired")                                                   \
    X(TIMELOCK_NOT_READY, 409, "timelock entry not yet due")                                      \
    X(TIMELOCK_EXPIRED, 409, "timelock entry past its grace period")                              \
    X(ALREADY_EXISTS, 409, "already exists")                                                       \
    X(ORACLE_FROZEN, 409, "price feed is frozen")                                                  \
    X(UNKNOWN_FEED, 404, "unknown price feed")                                                     \
    X(NAV_DEVIATION, 409, "NAV moves more than nav_max_deviation (use nav force with a reason)")   \
    X(NOT_FIAT, 400, "only a fiat asset has reserves")                                             \
    X(NAV_SPREAD, 409, "NAV sources disagree by more than max_spread; nothing submitted")          \
    X(NAV_SOURCES_FAILED, 503, "every NAV source failed and no fresh cache")                       \
    X(PROOF_INVALID, 409, "the proof of reserves does not check out")                               \
    X(STORE_CORRUPT, 503, "the store is inconsistent; the node will not serve it")                  \
    X(LEDGER_LOCKED, 409, "the ledger is already served by another process")                        \
    X(CLOCK_MODE, 409, "the clock asked for does not match the ledger's clock mode")                \
    X(CLOCK_BEHIND, 503, "this machine's clock is behind the ledger's time; writes refused") \
    /* HTTP admission (issue 8) */                                                                 \
    X(HTTP_FRAMING, 400, "request framing refused (one Content-Length, no Transfer-Encoding)")     \
    X(OVERLOADED, 503, "node busy with other request bodies; retry shortly") \
    X(KEY_IN_USE, 409, "this public key belongs to another operator")                               \
    /* security tokens (issue 9) */                                                                \
    X(NOT_SECURITY, 400, "only a security asset has compliance rules")                            \
    /* payouts (issue 9) */                                                                        \
    X(UNDERFUNDED_FULL_MODE, 409, "full mode: the distributor does not hold the whole total")      \
    X(TAX_FORM_MISSING, 409, "recipients without a valid tax_form claim")                           \
    X(ALREADY_DISTRIBUTED, 409, "this payout has already been distributed")                        \
    X(PAYOUT_NOT_READY, 409, "a payout is distributed in a block after the one that created it") \
    /* the alert loop (issue 10) */                                                                \
    X(INCIDENT_RESOLVED, 409, "this incident is resolved")                                        \
    X(NO_EMERGENCY, 409, "timelock expedite needs an open P0 or P1 incident")                     \
    /* the bridge (issue 11) */                                                                    \
    X(UNKNOWN_CHAIN, 404, "no bridge route to this chain for this asset")                         \
    X(ROUTE_DISABLED, 409, "this bridge route is disabled")                                       \
    X(ROUTE_LIMIT, 409, "amount outside the route's min/max")                                     \
    X(ALREADY_SETTLED, 409, "this bridge transfer is already settled")                            \
    X(ALREADY_REFUNDED, 409, "this bridge transfer was refunded")                                 \
    X(TIMEOUT_NOT_REACHED, 409, "the route's timeout has not passed yet")                         \
    X(REFUND_NOT_REQUESTED, 409, "no refund was requested for this transfer")                     \
    X(SAME_SIGNER, 409, "a refund is executed by another operator than the one who requested it") \
    X(ALREADY_RECEIVED, 409, "this inbound transaction has already been received")                \
    X(INVALID_TX_HASH, 400, "a transaction hash is 64 hex digits (0x optional)") \
    /* vaults (issue 11) */                                                                        \
    X(VAULT_UNSAFE, 409, "the vault would fall below its type's min_ratio")                        \
    X(VAULT_SAFE, 409, "the vault is not below its type's liquidation_ratio")                      \
    X(DEBT_CEILING, 409, "the vault type's total debt would pass its debt_ceiling")                \
    X(DUST, 409, "a vault's debt must be 0 or at least its type's dust")                            \
    X(FEED_STALE, 409, "the price feed has no value younger than its max_age")                     \
    X(UNKNOWN_VAULT, 404, "unknown vault")                                                          \
    X(UNKNOWN_VAULT_TYPE, 404, "unknown vault type")                                                \
    X(VAULT_OWNER, 409, "the vault belongs to another owner")                                       \
    X(VAULT_EMPTY, 409, "the vault has no debt to liquidate")                                    \
    /* backups and audit through the node (issue 12) */                                           \
    X(BACKUP_TRUNCATED, 409, "the backup file is truncated")                                      \
    X(BACKUP_CORRUPT, 409, "the backup file is corrupt (header or SHA-256)")                      \
    X(BACKUP_OTHER_LEDGER, 409, "the backup is of another ledger than the one in the directory")   \
    X(DIR_NOT_EMPTY, 409, "the directory is not empty")                                           \
    X(JOURNAL_CUT, 503, "the journal stream ended before its end marker")                         \
    X(JOURNAL_MALFORMED, 409, "the journal stream is malformed")                                  \
    X(HEAD_NOT_IN_CHAIN, 409, "the expected head hash is not in the chain")                        \
    /* reports (issue 12) */                                                                       \
    X(INVALID_DATE, 400, "a date is YYYY-MM-DD, a real calendar day")                              \
    X(REPORT_FUTURE, 400, "the report's period has not begun on the ledger's clock")               \
    X(REPORT_NO_BLOCKS, 404, "the ledger has no block in the report's period")                    \
    /* high availability (issue 15) */                                                            \
    X(NOT_LEADER, 503, "this node follows the leader; writes go to the leader")

enum err {
#define ERR_ENUM_ROW(name, status, msg) ERR_##name,
    ERR_TABLE(ERR_ENUM_ROW)
#undef ERR_ENUM_ROW
        ERR__COUNT
};

/* err_name: "ERR_PAUSED"-style name of a code; static storage, never NULL
 * (an out-of-range value yields "ERR_INTERNAL"). */
const char *err_name(enum err err);

/* err_message: the human message of a code; static storage, never NULL. */
const char *err_message(enum err err);

/* err_http_status: the HTTP status an API response carries for the code. */
int err_http_status(enum err err);

/* err_from_name: parse "ERR_PAUSED" back to its code. Returns ERR__COUNT
 * when the name is unknown. */
enum err err_from_name(const char *name);

#endif
