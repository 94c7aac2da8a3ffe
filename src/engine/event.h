/*
 * event.h - what a command did, in a fixed-size form the engine can emit
 * without allocating. The node turns events into JSON ({seq, command_seq,
 * block, time, type, asset, operator, data}) with event_write_json: seq is
 * the event's own number, command_seq the seq of the command that emitted
 * it (the number its answer and `history` show).
 */
#ifndef MINTLINE_ENGINE_EVENT_H
#define MINTLINE_ENGINE_EVENT_H

#include <stdint.h>

#include "../base/addr.h"
#include "../base/u128.h"

#define EVENT_TABLE(X)                                                                             \
    X(MINT, "Mint")                                                                                \
    X(BURN, "Burn")                                                                                \
    X(TRANSFER, "Transfer")                                                                        \
    X(PAUSED, "Paused")                                                                            \
    X(UNPAUSED, "Unpaused")                                                                        \
    X(CLOCK_ADVANCED, "ClockAdvanced")                                                             \
    X(MINT_HALTED, "MintHalted")                                                                   \
    X(MINT_RESUMED, "MintResumed")                                                                 \
    X(CAPS_SET, "CapsSet")                                                                         \
    X(ROLE_GRANTED, "RoleGranted")                                                                 \
    X(ROLE_REVOKED, "RoleRevoked")                                                                 \
    X(POLICY_SET, "PolicySet")                                                                     \
    X(PROPOSAL_CREATED, "ProposalCreated")                                                         \
    X(PROPOSAL_APPROVED, "ProposalApproved")                                                       \
    X(PROPOSAL_EXECUTED, "ProposalExecuted")                                                       \
    X(PROPOSAL_FAILED, "ProposalFailed")                                                           \
    X(PROPOSAL_EXPIRED, "ProposalExpired")                                                         \
    X(PROPOSAL_CANCELLED, "ProposalCancelled")                                                     \
    X(TIMELOCK_SCHEDULED, "TimelockScheduled")                                                     \
    X(TIMELOCK_EXECUTED, "TimelockExecuted")                                                       \
    X(TIMELOCK_FAILED, "TimelockFailed")                                                           \
    X(TIMELOCK_CANCELLED, "TimelockCancelled")                                                     \
    X(OPERATOR_ADDED, "OperatorAdded")                                                             \
    X(OPERATOR_REMOVED, "OperatorRemoved")                                                         \
    X(KEY_ROTATED, "KeyRotated")                                                                   \
    X(CONTROLLER_PROPOSED, "ControllerProposed")                                                   \
    X(CONTROLLER_CHANGED, "ControllerChanged")                                                     \
    X(BLACKLISTED, "Blacklisted")                                                                  \
    X(UNBLACKLISTED, "Unblacklisted")                                                              \
    X(FROZEN, "Frozen")                                                                            \
    X(UNFROZEN, "Unfrozen")                                                                        \
    X(FORCED_TRANSFER, "ForcedTransfer")                                                           \
    X(RECOVERED, "Recovered")                                                                      \
    X(RESCUED, "Rescued")                                                                          \
    X(PRICE_UPDATED, "PriceUpdated")                                                               \
    X(ORACLE_FROZEN, "OracleFrozen")                                                               \
    X(ORACLE_UNFROZEN, "OracleUnfrozen")                                                           \
    X(NAV_UPDATED, "NavUpdated")                                                                   \
    X(RESERVE_REPORTED, "ReserveReported")                                                         \
    X(RESERVE_ATTESTED, "ReserveAttested")                                                         \
    X(POR_PUBLISHED, "PorPublished")                                                               \
    X(IDENTITY_REGISTERED, "IdentityRegistered")                                                   \
    X(IDENTITY_REMOVED, "IdentityRemoved")                                                         \
    X(CLAIM_SET, "ClaimSet")                                                                       \
    X(CLAIM_REVOKED, "ClaimRevoked")                                                               \
    X(RULES_SET, "AssetRulesSet")                                                                  \
    X(PAYOUT_SNAPSHOT, "PayoutSnapshot")                                                           \
    X(PAYOUT_CREATED, "PayoutCreated")                                                             \
    X(PAYOUT_DISTRIBUTED, "PayoutDistributed")                                                     \
    X(INCIDENT_OPENED, "IncidentOpened")                                                           \
    X(INCIDENT_ACKNOWLEDGED, "IncidentAcknowledged")                                               \
    X(INCIDENT_NOTED, "IncidentNoted")                                                             \
    X(INCIDENT_RESOLVED, "IncidentResolved")                                                       \
    X(MAINTENANCE_STARTED, "MaintenanceStarted")                                                   \
    X(MAINTENANCE_ENDED, "MaintenanceEnded")                                                       \
    X(TIMELOCK_EXPEDITED, "TimelockExpedited")                                                     \
    X(STABILIZER_SET, "StabilizerSet")                                                             \
    X(STABILIZATION_ORDER, "StabilizationOrder")                                                   \
    X(BRIDGE_SENT, "BridgeSent")                                                                   \
    X(BRIDGE_SETTLED, "BridgeSettled")                                                             \
    X(BRIDGE_REFUND_REQUESTED, "BridgeRefundRequested")                                            \
    X(BRIDGE_REFUNDED, "BridgeRefunded")                                                           \
    X(BRIDGE_RECEIVED, "BridgeReceived")                                                           \
    X(BRIDGE_ROUTE_SET, "BridgeRouteSet")                                                          \
    X(BRIDGE_ROUTE_ENABLED, "BridgeRouteEnabled")                                                  \
    X(BRIDGE_ROUTE_DISABLED, "BridgeRouteDisabled")                                                     \
    X(VAULT_OPENED, "VaultOpened")                                                                 \
    X(VAULT_DEPOSITED, "VaultDeposited")                                                           \
    X(VAULT_WITHDRAWN, "VaultWithdrawn")                                                           \
    X(VAULT_BORROWED, "VaultBorrowed")                                                             \
    X(VAULT_REPAID, "VaultRepaid")                                                                 \
    X(LIQUIDATED, "Liquidated")                                                                    \
    X(VAULT_TYPE_SET, "VaultTypeSet")

enum event_type {
#define EVENT_ENUM_ROW(id, name) EVENT_##id,
    EVENT_TABLE(EVENT_ENUM_ROW)
#undef EVENT_ENUM_ROW
        EVENT__COUNT
};

#define EVENT_NO_ASSET UINT16_MAX

struct event {
    uint64_t seq;
    uint64_t command_seq;
    int64_t time_ns;
    uint16_t type;  /* enum event_type */
    uint16_t asset; /* asset index or EVENT_NO_ASSET */
    uint32_t flags; /* per type; e.g. PAUSED: 1 = was already paused */
    union {
        struct {
            struct addr from;
            struct addr to;
        };
        uint8_t digest[32]; /* POR_PUBLISHED: the published root */
    };
    u128 amount;
    u128 amount2; /* POR_PUBLISHED: the verified reserve (journaled for that type only) */
    int64_t value;   /* per type; e.g. CLOCK_ADVANCED: nanoseconds; TIMELOCK_SCHEDULED: eta */
    uint64_t ref_id; /* a proposal or timelock id */
    uint16_t ref_op; /* the op a governance event is about; CAPS_SET: which limit */
    uint16_t code;   /* an error code (…_FAILED) or a role */
    uint32_t who;    /* an operator index (ROLE_*: the grantee) */
    /* LIQUIDATED (vault.h), journaled for that type only: amount3 the
     * penalty part of the seized collateral and amount4 what went back to
     * the owner (collateral units), amount5 the bad debt (debt units). */
    u128 amount3;
    u128 amount4;
    u128 amount5;
};

/* A caller-owned array the engine appends to. */
struct event_buf {
    struct event *items;
    uint32_t count;
    uint32_t cap;
};

const char *event_type_name(enum event_type type);
/* event_type_parse: exact name ("Mint"); EVENT__COUNT when unknown. */
enum event_type event_type_parse(const char *name);

struct engine;
struct jw;
struct buf;
struct buf_reader;

/* event_write_json: {"seq","command_seq","block","time","type","asset","operator","data"}.
 * operator is the name of the operator whose command emitted the event
 * (the caller knows it: the request it answers, or the journaled request
 * holding ev->command_seq), written as null when NULL. The engine never
 * records it: an event's binary form (event_encode) stays as it was, so
 * journals written before keep auditing byte for byte. */
void event_write_json(const struct engine *e, const struct event *ev, uint64_t block,
                      const char *operator_name, struct jw *w);

/* event_encode / event_decode: the compact binary form kept in the
 * journal, one record per event. Decoding untrusted bytes sets r->failed
 * on a short read and returns -1 on an out-of-range type. */
void event_encode(const struct event *ev, struct buf *out);
int event_decode(struct buf_reader *r, struct event *out);

/* event_legacy_no_asset: whether events of `type` were journaled with no
 * asset before issue 13 (approvals, releases, failures, cancellations and
 * expiries of a held command, which now carry its asset). */
int event_legacy_no_asset(uint16_t type);

/* event_journal_match: 1 when the journaled bytes (len bytes, untrusted)
 * are exactly the encoding of events[0..n) that replay emitted, else 0.
 * One allowance, for journals written before issue 13: an event whose
 * type is event_legacy_no_asset, journaled with no asset where replay
 * gives one, matches when every other byte does. Allocates a scratch
 * buffer (audit's path, never the transfer path); 0 if that fails. */
int event_journal_match(const struct event *events, uint32_t n, const uint8_t *bytes, size_t len);

#endif
