/* hash.c - SHA-256 helpers over OpenSSL's libcrypto. SHA256_Init and
 * friends are deprecated in OpenSSL 3 in favour of EVP, whose contexts live
 * on the heap; these keep a plain struct on the caller's stack and allocate
 * nothing, which the engine needs. They are still built and supported. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "hash.h"

#include <openssl/sha.h>
#include <string.h>

#include "hex.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct hash_ctx *)0)->st),
               "struct hash_ctx too small for SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(uint64_t), "struct hash_ctx under-aligned");

static SHA256_CTX *hash__ossl(struct hash_ctx *ctx) { return (SHA256_CTX *)(void *)ctx->st; }

void hash_init(struct hash_ctx *ctx) { SHA256_Init(hash__ossl(ctx)); }

void hash_update(struct hash_ctx *ctx, const void *data, size_t len) {
    SHA256_Update(hash__ossl(ctx), data, len);
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
    SHA256_Final(out->bytes, hash__ossl(ctx));
}

void hash_once(const void *data, size_t len, struct hash *out) {
    /* Not SHA256(): in OpenSSL 3 it fetches an EVP method on every call. */
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, len);
    SHA256_Final(out->bytes, &c);
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
