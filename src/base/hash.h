/*
 * hash.h - SHA-256 for the block chain, state hashes and proof-of-reserves
 * trees (OpenSSL's libcrypto, which uses the CPU's SHA extensions where it
 * has them: 4-5x libsodium's portable code here); pure computation, no I/O,
 * no allocation.
 */
#ifndef MINTLINE_BASE_HASH_H
#define MINTLINE_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_BYTES 32u
#define HASH_HEX_SIZE 65u

struct hash {
    uint8_t bytes[HASH_BYTES];
};

/* Room for OpenSSL's SHA256_CTX (checked at compile time in hash.c), so
 * callers keep contexts on the stack without including OpenSSL. */
struct hash_ctx {
    uint64_t st[16];
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
