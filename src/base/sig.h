/*
 * sig.h - SPEC 7 request signatures (Ed25519, libsodium), shared by the
 * node (verify) and the CLI (sign).
 *
 * The signed message is
 *   "mintline-v1\n" METHOD "\n" PATH_AND_QUERY "\n" TIME "\n" NONCE "\n" hex(SHA-256(body))
 * and the header Mintline-Signature carries its signature in standard
 * base64 (with padding).
 */
#ifndef MINTLINE_BASE_SIG_H
#define MINTLINE_BASE_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SIG_SEED_BYTES 32u
#define SIG_PUBKEY_BYTES 32u
#define SIG_BYTES 64u
#define SIG_B64_SIZE 89u /* base64 of 64 bytes (88) + NUL */

struct hash;

/* sig_message: append the message to sign to out. */
void sig_message(struct buf *out, const char *method, const char *path_and_query,
                 const char *time_ms, const char *nonce, const struct hash *body_hash);

/* sig_sign: sign the message with the 32-byte seed; writes base64 into
 * b64 (SIG_B64_SIZE). Returns 0, or -1 when libsodium fails. */
int sig_sign(const uint8_t seed[SIG_SEED_BYTES], const char *method, const char *path_and_query,
             const char *time_ms, const char *nonce, const uint8_t *body, size_t body_len,
             char b64[SIG_B64_SIZE]);

/* sig_verify: 0 when b64 is a valid signature by pubkey of a request whose
 * body has SHA-256 body_hash (computed once by the caller, who also
 * journals it), else -1 (malformed base64 included). */
int sig_verify(const uint8_t pubkey[SIG_PUBKEY_BYTES], const char *method,
               const char *path_and_query, const char *time_ms, const char *nonce,
               const struct hash *body_hash, const char *b64);

/* sig_pubkey: the public key of a seed. */
void sig_pubkey(const uint8_t seed[SIG_SEED_BYTES], uint8_t pubkey[SIG_PUBKEY_BYTES]);

#endif
