/* hash.c - SHA-256 helpers over libsodium. */
#include "hash.h"

#include <string.h>

#include "hex.h"

void hash_init(struct hash_ctx *ctx) { crypto_hash_sha256_init(&ctx->st); }

void hash_update(struct hash_ctx *ctx, const void *data, size_t len) {
    crypto_hash_sha256_update(&ctx->st, data, len);
}

void hash_update_u64(struct hash_ctx *ctx, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    hash_update(ctx, b, 8);
}

void hash_update_str(struct hash_ctx *ctx, const char *s) {
    size_t n = strlen(s);
    hash_update_u64(ctx, n);
    hash_update(ctx, s, n);
}

void hash_final(struct hash_ctx *ctx, struct hash *out) {
    crypto_hash_sha256_final(&ctx->st, out->bytes);
}

void hash_once(const void *data, size_t len, struct hash *out) {
    crypto_hash_sha256(out->bytes, data, len);
}

void hash_hex(const struct hash *h, char out[HASH_HEX_SIZE]) {
    hex_encode(h->bytes, HASH_BYTES, out);
}

int hash_parse_hex(const char *text, size_t len, struct hash *out) {
    struct hash h;
    if (hex_decode(text, len, h.bytes, HASH_BYTES) != 0) return -1;
    *out = h;
    return 0;
}
