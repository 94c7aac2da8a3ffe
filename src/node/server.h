/*
 * server.h - the node's HTTP side: one struct server shared by the HTTP
 * front (http.c), the read API (api.c), commands (api_commands.c) and
 * metrics (metrics.c).
 */
#ifndef MINTLINE_NODE_SERVER_H
#define MINTLINE_NODE_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/buf.h"
#include "../base/jw.h"
#include "alerting.h"
#include "auth.h"
#include "chain.h"
#include "cmdwin.h"
#include "sequencer.h"

#define MINTLINE_VERSION "0.1.0"

struct deliver;
struct backup_sched;
struct ha;

struct server {
    struct chain chain;
    struct sequencer *seq;
    struct auth *auth;
    struct alerting *alerting; /* the alert loop (alerting.h); NULL outside serve */
    struct MHD_Daemon *mhd;
    struct deliver *deliver;  /* the alert receivers (deliver.h); never NULL while serving */
    int lock_fd;              /* the ledger's writer lock (store_lock), -1 when not held */
    struct store_lease *lease; /* a PostgreSQL ledger's writer lock (store_lease_take) or NULL */
    struct ha *ha;            /* a PostgreSQL ledger's election and following (ha.h) or NULL */
    struct http_conns *conns; /* http.c: open connections, the unverified-body budget */
    int ready;
    int draining;             /* stopping: new requests get 503 */
    unsigned active_requests; /* started and not yet answered (atomic) */
    /* journaled commands by op and result code (atomic increments) */
    uint64_t commands_total[OP__COUNT][ERR__COUNT];
    /* requests refused before sequencing (malformed), by code */
    uint64_t refused_total[ERR__COUNT];
    struct backup_sched *backup; /* serve --backup-dir (backup.h); NULL without */
    struct cmdwin cmdwin; /* journaled commands over the last 5 minutes (cmdwin.h) */
};

struct server_request {
    const char *method;
    const char *path;     /* without the query */
    const char *query;    /* after '?', or "" */
    const char *raw_uri;  /* path and query exactly as sent (what was signed) */
    const uint8_t *body;
    size_t body_len;
    int operator_index;   /* -1 for unsigned endpoints */
    struct auth_headers headers;
    int64_t time_ms;
    struct hash body_hash;
    uint8_t pubkey[32];   /* the key the signature verified against */
};

/* A body produced while it is sent (api_backup.c: the journal, backups):
 * read fills up to max bytes at pos and returns how many, -1 at the end,
 * -2 on an error (the connection is cut: the client sees a short body);
 * free releases ctx once the response is done (sent or not). */
struct server_stream {
    uint64_t size; /* SERVER_STREAM_SIZE_UNKNOWN: sent chunked */
    ssize_t (*read)(void *ctx, uint64_t pos, char *buf, size_t max);
    void (*free)(void *ctx);
    void *ctx;
};
#define SERVER_STREAM_SIZE_UNKNOWN UINT64_MAX

struct server_response {
    int status;
    int replayed;             /* a retry answered from the journal: Mintline-Replayed: 1 */
    const char *content_type; /* static; NULL = application/json */
    struct buf body;
    struct server_stream stream; /* read set: the body is this stream, not body */
};

/* server_error: the standard {"ok": false, "error": {...}} with the
 * code's HTTP status; detail (may be NULL) is cut to LIMIT_ECHO_BYTES and
 * stripped of control characters before it is echoed. */
void server_error(struct server_response *out, enum err err, const char *detail);
/* server_error_with: server_error, and more() adds fields to the error
 * object after "code" and "message" (e.g. the valid values of a field). */
void server_error_with(struct server_response *out, enum err err, const char *detail,
                       void (*more)(struct jw *w, void *ctx), void *ctx);

/* server_now: the time status and metrics figures are computed at: the
 * ledger's clock, or the wall clock when it is ahead (so daily usage falls
 * to zero at UTC midnight without waiting for a block). */
int64_t server_now(const struct server *s);

/* server_query: the percent-decoded value of key in a query string, into
 * out (size bytes). Returns 1 when present, 0 when absent, -1 malformed. */
int server_query(const char *query, const char *key, char *out, size_t size);

/* server_path_id: an id in a path segment, digits only (1..19 of them);
 * 0 when it is not one. */
uint64_t server_path_id(const char *text);

/* Read endpoints (api.c): each writes a whole response. */
void api_system_status(struct server *s, const struct server_request *rq, struct server_response *out);
void api_contracts_status(struct server *s, const struct server_request *rq, struct server_response *out);
void api_assets(struct server *s, const struct server_request *rq, struct server_response *out);
void api_asset(struct server *s, const char *symbol, struct server_response *out);
/* api_asset_of_kind: the index of a known asset of that kind, else -1 with
 * the error answered (ERR_UNKNOWN_ASSET; ERR_NOT_FIAT, or for a fund
 * ERR_INVALID_ARGUMENT). Caller holds the chain lock. */
int api_asset_of_kind(const struct engine *e, const char *symbol, enum asset_kind kind,
                      struct server_response *out);
void api_reserve(struct server *s, const char *symbol, struct server_response *out);
void api_nav(struct server *s, const char *symbol, struct server_response *out);
/* Proof of reserves (api_por.c): the latest publication; a holder's proof. */
void api_por(struct server *s, const char *symbol, struct server_response *out);
void api_por_proof(struct server *s, const char *symbol, const char *address,
                   struct server_response *out);
void api_balance(struct server *s, const char *symbol, const char *address, struct server_response *out);
void api_account(struct server *s, const char *address, struct server_response *out);
/* Security tokens (api_compliance.c). GET /api/identities/{ADDR}: the
 * identity, 404 ERR_NOT_FOUND when none. The others write into a document
 * being built; the caller holds the chain lock. */
void api_identity(struct server *s, const char *address, struct server_response *out);
/* "identity": the address's identity or null. */
void api_account_identity(const struct server *s, const struct addr *a, struct jw *w);
/* "partitions": {NAME: balance} over the asset's partitions ({} for an
 * asset without any). */
void api_partitions_json(const struct engine *e, uint32_t asset, const struct addr *a,
                         struct jw *w);
/* A security asset's "max_holders", "holder_limit_usage" and "rules"
 * (nothing for other kinds). */
void api_security_fields(const struct engine *e, uint32_t asset, struct jw *w);
/* holders / max_holders of a security asset (a display ratio). */
double api_holder_limit_usage(const struct engine *e, uint32_t asset);
/* Claims figures over every identity, judged on UTC day `day`: claims
 * still valid that expire within API_CLAIMS_SOON_DAYS days, and claims
 * past their expiry, by topic. O(holdings table); nothing without
 * identities. */
#define API_CLAIMS_SOON_DAYS 30
struct api_claims {
    uint32_t identities;
    uint32_t expiring[CLAIM__COUNT];
    uint32_t expired[CLAIM__COUNT];
};
void api_claims_count(const struct engine *e, int64_t day, struct api_claims *out);
/* "compliance": {"identities", "claims_expiring_30d": {TOPIC: n},
 * "claims_expired": {TOPIC: n}} of the system status. */
void api_compliance_status(const struct server *s, struct jw *w);
void api_events(struct server *s, const struct server_request *rq, struct server_response *out);
void api_history(struct server *s, const struct server_request *rq, struct server_response *out);

/* Governance reads (api_gov.c). The _array forms write a JSON array of the
 * engine's open proposals or timelock entries (caller holds the lock). */
void api_policies(struct server *s, const struct server_request *rq, struct server_response *out);
void api_proposals(struct server *s, const struct server_request *rq, struct server_response *out);
void api_timelock(struct server *s, const struct server_request *rq, struct server_response *out);
void api_proposals_array(const struct engine *e, struct jw *w);
void api_feeds(struct server *s, const struct server_request *rq, struct server_response *out);
void api_feeds_array(const struct server *s, struct jw *w);
void api_operators(struct server *s, const struct server_request *rq, struct server_response *out);
void api_timelock_array(const struct engine *e, struct jw *w);

/* Payouts (api_payout.c): the list, one payout with a page of its legs,
 * one snapshot with a page of its holders (?offset=N&limit=M); and the
 * "payouts" object of the system status (caller holds the lock). */
void api_payouts(struct server *s, const struct server_request *rq, struct server_response *out);
void api_payout(struct server *s, const struct server_request *rq, const char *id,
                struct server_response *out);
void api_payout_snapshot(struct server *s, const struct server_request *rq, const char *id,
                         struct server_response *out);
void api_payouts_status(const struct engine *e, struct jw *w);

/* Incidents and maintenance windows (api_incident.c): the list
 * (?open=1), one incident with its timeline from the journal, the
 * windows; the "incidents" object of the system status (takes the lock
 * itself) and the incident series of /metrics (caller holds the lock). */
void api_incidents(struct server *s, const struct server_request *rq, struct server_response *out);
void api_incident(struct server *s, const struct server_request *rq, const char *id,
                  struct server_response *out);
void api_maintenance(struct server *s, const struct server_request *rq, struct server_response *out);
void api_incidents_status(struct server *s, struct jw *w);
void api_incidents_metrics(const struct engine *e, int64_t now_ns, struct buf *b);
/* The bridge (api_bridge.c): GET /api/bridge/routes, /api/bridge/transfers
 * (?status=S), /api/bridge/transfers/ID. */
void api_bridge_routes(struct server *s, const struct server_request *rq, struct server_response *out);
void api_bridge_transfers(struct server *s, const struct server_request *rq, struct server_response *out);
void api_bridge_transfer(struct server *s, const char *id, struct server_response *out);
/* "bridge": [{"chain", "asset", "enabled", "escrow", "success_rate_24h",
 * "settlement_p95_s", "buffer_ok"}] of the system status, only when the
 * ledger has a route (caller holds the lock). */
void api_bridge_status(const struct engine *e, int64_t now_ns, struct jw *w);
/* api_checks: GET /api/checks/{period} (api_checks.c). */
void api_checks(struct server *s, const char *period, struct server_response *out);
/* Vaults (api_vault.c): GET /api/vaults (types and a page of vaults),
 * GET /api/vaults/ID. */
void api_vaults(struct server *s, const struct server_request *rq, struct server_response *out);
void api_vault(struct server *s, const char *id, struct server_response *out);
/* "vaults": [{"type", "collateral", "debt", "vaults", "total_collateral",
 * "total_debt", "debt_ceiling", "debt_ceiling_usage", "health_min", ...}]
 * of the system status, only when the ledger has a vault type (caller
 * holds the lock). */
void api_vault_status(const struct engine *e, struct jw *w);
/* GET /api/stabilizers[?asset=SYM][&peak_outflow=A] (api_stabilizer.c). */
void api_stabilizers(struct server *s, const struct server_request *rq, struct server_response *out);

/* POST /api/commands (api_commands.c). */
void api_commands(struct server *s, const struct server_request *rq, struct server_response *out);
/* api_commands_retry: a POST /api/commands that auth_check refused with
 * ERR_AUTH_NONCE (its signature verified, its nonce already seen): when
 * the journal holds a request of the same operator with the same nonce
 * that is this very request (signature, method, path, time and body the
 * same), out is the original answer rebuilt from the journal (its seqs,
 * block, result codes with their standard messages, events, proposals and
 * timelock entries; the same status and batch shape) with
 * out->replayed set; on a follower, out is 503 ERR_NOT_LEADER. When the
 * original is not in the journal yet, waits for what was queued before it
 * (LIMIT_RETRY_WAIT_MS at most). Returns 1 when out is the answer, 0 when
 * the request stays refused (ERR_AUTH_NONCE: a dry run, a request never
 * journaled, other bytes under the same nonce). */
int api_commands_retry(struct server *s, const struct server_request *rq,
                       struct server_response *out);
/* api_commands_inline: the same for a request the node signs itself (the
 * alert loop's actions), called from a sequencer hook on the sequencer's
 * thread (seq): its block is applied there and then (sequencer_apply_inline)
 * instead of being queued. */
void api_commands_inline(struct server *s, struct sequencer *seq, const struct server_request *rq,
                         struct server_response *out);

/* Journal and backup downloads (api_backup.c; roles auditor or admin):
 * GET /api/journal?from=H streams the journal (store_wire.h), GET
 * /api/backup a backup file (store_backup.h) of an online copy. */
void api_journal(struct server *s, const struct server_request *rq, struct server_response *out);
void api_backup(struct server *s, const struct server_request *rq, struct server_response *out);

/* GET /metrics (metrics.c). */
void metrics_render(struct server *s, struct server_response *out);

/* http.c */
enum err http_start(struct server *s, const char *listen) __attribute__((warn_unused_result));
void http_stop(struct server *s);

/* http_stats: the HTTP front's figures, for /metrics (zeros when stopped). */
struct http_stats {
    uint32_t connections_open; /* evicted ones still closing not included */
    uint64_t evicted_total;    /* connections shut down to make room */
    uint64_t unverified_bytes; /* reserved by bodies not yet verified */
};
void http_stats(struct server *s, struct http_stats *out);

/* GET /api/reports/{period}?at=DATE&format=json|md|html (api_report.c). */
void api_report(struct server *s, const struct server_request *rq, const char *period,
                struct server_response *out);

/* "governance": {proposals_pending, proposals_expired, timelock_waiting,
 * timelock_due, timelock_next_eta} for the status document: what waits for
 * people, with due meaning eta passed at now (api_gov.c). */
void api_governance_status(const struct engine *e, int64_t now_ns, struct jw *w);

#endif
