/*
 * hash.h - SHA-256 for the block chain and state hashes (libsodium's
 * implementation; pure computation, no I/O).
 */
#ifndef MINTLINE_BASE_HASH_H
#define MINTLINE_BASE_HASH_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_BYTES 32u
#define HASH_HEX_SIZE 65u

struct hash {
    uint8_t bytes[HASH_BYTES];
};

struct hash_ctx {
    crypto_hash_sha256_state st;
};

void hash_init(struct hash_ctx *ctx);
void hash_update(struct hash_ctx *ctx, const void *data, size_t len);
void hash_update_u64(struct hash_ctx *ctx, uint64_t v); /* 8 bytes little endian */
void hash_update_str(struct hash_ctx *ctx, const char *s); /* length-prefixed */
void hash_final(struct hash_ctx *ctx, struct hash *out);

/* hash_once: SHA-256 of one buffer. */
void hash_once(const void *data, size_t len, struct hash *out);

void hash_hex(const struct hash *h, char out[HASH_HEX_SIZE]);
/* hash_parse_hex: 64 hex digits; returns 0 or -1. */
int hash_parse_hex(const char *text, size_t len, struct hash *out);

#endif
