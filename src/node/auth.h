/*
 * auth.h - SPEC 7 request signatures: headers, time window, nonces.
 *
 * A request is accepted when all four Mintline-* headers are present and
 * well formed, the operator is known, its time is within 5 minutes of the
 * node's wall clock, the Ed25519 signature verifies, and the nonce has not
 * been seen from that operator while its time could still be accepted.
 * The nonce is recorded only after the signature verifies, so nobody can
 * burn another operator's nonces. Refusals are counted by reason.
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

/* auth_remember: record a journaled request's nonce (start-up recovery). */
void auth_remember(struct auth *a, const char *operator_name, const char *nonce, int64_t time_ms);

/* auth_check: verify a request. On success sets *operator_index,
 * *time_ms, *body_hash (SHA-256 of the body, which the journal keeps) and
 * pubkey (the key the signature verified against: the sequencer checks
 * it is still the operator's when the request applies). Errors: ERR_AUTH_MISSING, ERR_AUTH_OPERATOR, ERR_AUTH_TIME,
 * ERR_AUTH_SIGNATURE, ERR_AUTH_NONCE, ERR_RATE_LIMITED (nonce table full). */
enum err auth_check(struct auth *a, struct chain *c, const char *method,
                    const char *path_and_query, const struct auth_headers *h,
                    const uint8_t *body, size_t body_len, int *operator_index, int64_t *time_ms,
                    struct hash *body_hash, uint8_t pubkey[32])
    __attribute__((warn_unused_result));

/* Refusal counters, for /metrics. */
struct auth_stats {
    uint64_t missing, operator_unknown, time, signature, nonce;
};
void auth_stats(struct auth *a, struct auth_stats *out);

#endif
