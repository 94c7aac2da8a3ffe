/* sig.c - build, sign and verify SPEC 7 request messages. */
#include "sig.h"

#include <sodium.h>
#include <string.h>

#include "hash.h"

void sig_message(struct buf *out, const char *method, const char *path_and_query,
                 const char *time_ms, const char *nonce, const struct hash *body_hash) {
    char hex[HASH_HEX_SIZE];
    hash_hex(body_hash, hex);
    buf_put(out, "mintline-v1\n", 12);
    buf_put(out, method, strlen(method));
    buf_put(out, "\n", 1);
    buf_put(out, path_and_query, strlen(path_and_query));
    buf_put(out, "\n", 1);
    buf_put(out, time_ms, strlen(time_ms));
    buf_put(out, "\n", 1);
    buf_put(out, nonce, strlen(nonce));
    buf_put(out, "\n", 1);
    buf_put(out, hex, HASH_HEX_SIZE - 1);
}

void sig_pubkey(const uint8_t seed[SIG_SEED_BYTES], uint8_t pubkey[SIG_PUBKEY_BYTES]) {
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pubkey, sk, seed);
    sodium_memzero(sk, sizeof(sk));
}

int sig_sign(const uint8_t seed[SIG_SEED_BYTES], const char *method, const char *path_and_query,
             const char *time_ms, const char *nonce, const uint8_t *body, size_t body_len,
             char b64[SIG_B64_SIZE]) {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk, seed);
    struct hash body_hash;
    hash_once(body, body_len, &body_hash);
    struct buf m;
    buf_init(&m);
    sig_message(&m, method, path_and_query, time_ms, nonce, &body_hash);
    uint8_t sig[SIG_BYTES];
    int rc = buf_ok(&m) ? crypto_sign_detached(sig, NULL, m.data, m.len, sk) : -1;
    sodium_memzero(sk, sizeof(sk));
    buf_free(&m);
    if (rc != 0) return -1;
    sodium_bin2base64(b64, SIG_B64_SIZE, sig, SIG_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int sig_verify(const uint8_t pubkey[SIG_PUBKEY_BYTES], const char *method,
               const char *path_and_query, const char *time_ms, const char *nonce,
               const struct hash *body_hash, const char *b64) {
    uint8_t sig[SIG_BYTES];
    size_t sig_len = 0;
    if (sodium_base642bin(sig, sizeof(sig), b64, strlen(b64), NULL, &sig_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        sig_len != SIG_BYTES) {
        return -1;
    }
    struct buf m;
    buf_init(&m);
    sig_message(&m, method, path_and_query, time_ms, nonce, body_hash);
    int rc = buf_ok(&m) ? crypto_sign_verify_detached(sig, m.data, m.len, pubkey) : -1;
    buf_free(&m);
    return rc == 0 ? 0 : -1;
}
