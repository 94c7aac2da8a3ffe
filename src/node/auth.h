/*
 * auth.h - SPEC 7 request signatures: headers, time window, nonces.
 *
 * A request is accepted when all four Mintline-* headers are present and
 * well formed, the operator is known, its time is within 5 minutes of the
 * node's wall clock, the Ed25519 signature verifies, and the nonce has not
 * been seen from that operator while its time could still be accepted.
 * The nonce is recorded only after the signature verifies, so nobody can
 * burn another operator's nonces. Each operator's nonces have a bounded
 * share of their own, reads apart from writes (limits.h), so one
 * operator's flood rate-limits only itself. Refusals are counted by reason.
 */
#ifndef MINTLINE_NODE_AUTH_H
#define MINTLINE_NODE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

struct auth;

struct auth_headers {
    const char *operator_name;
    const char *time;
    const char *nonce;
    const char *signature;
};

enum err auth_open(struct auth **out) __attribute__((warn_unused_result));
void auth_close(struct auth *a);

/* auth_remember: record a journaled request's nonce (start-up recovery),
 * on the write path, whatever the share's limits (a nonce the node once
 * accepted is never forgotten while its time could be accepted again). */
void auth_remember(struct auth *a, const char *operator_name, const char *nonce, int64_t time_ms);

/* Which share of an operator's nonces a request uses: commands (POST
 * /api/commands) or reads (every GET). */
enum auth_path { AUTH_PATH_READ, AUTH_PATH_WRITE };

/* auth_nonce_use: record operator_name's nonce for a request dated time_ms
 * (already checked to be within the window of now_ms), on path. The nonce
 * is kept until time_ms + LIMIT_AUTH_WINDOW_MS. Errors: ERR_AUTH_NONCE
 * (already seen and still live), ERR_RATE_LIMITED (the operator's share
 * for path is full: only this operator and path are refused; counted),
 * ERR_INTERNAL (out of memory). Thread-safe. */
enum err auth_nonce_use(struct auth *a, const char *operator_name, const char *nonce,
                        enum auth_path path, int64_t time_ms, int64_t now_ms)
    __attribute__((warn_unused_result));

/* auth_precheck: what can be checked before the body is read: the four
 * headers present and well formed, the operator known, the time within
 * the window. Errors (counted like auth_check's): ERR_AUTH_MISSING,
 * ERR_AUTH_OPERATOR, ERR_AUTH_TIME. auth_check checks them again. */
enum err auth_precheck(struct auth *a, struct chain *c, const struct auth_headers *h)
    __attribute__((warn_unused_result));

/* auth_check: verify a request. On success sets *operator_index,
 * *time_ms, *body_hash (SHA-256 of the body, which the journal keeps) and
 * pubkey (the key the signature verified against: the sequencer checks
 * it is still the operator's when the request applies). ERR_AUTH_NONCE
 * comes only after the signature has verified (the outputs are not set):
 * a command request may then be a retry, answered from the journal
 * (api_commands_retry). Errors:
 * ERR_AUTH_MISSING, ERR_AUTH_OPERATOR, ERR_AUTH_TIME, ERR_AUTH_SIGNATURE,
 * ERR_AUTH_NONCE, ERR_RATE_LIMITED (the operator's nonce share for this
 * method's path is full), ERR_INTERNAL. */
enum err auth_check(struct auth *a, struct chain *c, const char *method,
                    const char *path_and_query, const struct auth_headers *h,
                    const uint8_t *body, size_t body_len, int *operator_index, int64_t *time_ms,
                    struct hash *body_hash, uint8_t pubkey[32])
    __attribute__((warn_unused_result));

/* auth_nonce_replayed: a request auth_check refused with ERR_AUTH_NONCE
 * was a retry answered from the journal: counted as replayed, not as a
 * refusal. */
void auth_nonce_replayed(struct auth *a);

/* Refusal counters and the nonces held, for /metrics. */
struct auth_stats {
    uint64_t missing, operator_unknown, time, signature, nonce;
    uint64_t replayed; /* retries answered from the journal (auth_nonce_replayed) */
    uint64_t rate_limited_read, rate_limited_write;
    uint64_t nonces_held; /* remembered, all operators (expired ones not yet dropped included) */
};
void auth_stats(struct auth *a, struct auth_stats *out);

#endif
