/*
 * auth.c - signature checks and the nonce table.
 *
 * The nonce table maps SHA-256(operator, nonce) (first 16 bytes) to the
 * request's time; an entry can be forgotten once that time has left the
 * 5-minute window, because the same request would then be refused for its
 * time anyway. The table is bounded (AUTH_NONCES_MAX); when it is full of
 * live entries new requests get ERR_RATE_LIMITED.
 */
#include "auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../base/sig.h"

#define AUTH_NONCES_MAX (1u << 20)

struct auth__slot {
    uint8_t key[16];
    int64_t time_ms; /* 0: empty */
};

struct auth {
    pthread_mutex_t mu;
    struct auth__slot *slots;
    uint32_t used;
    struct auth_stats stats;
};

enum err auth_open(struct auth **out) {
    struct auth *a = calloc(1, sizeof(*a));
    if (a == NULL) return ERR_INTERNAL;
    a->slots = calloc(AUTH_NONCES_MAX, sizeof(*a->slots));
    if (a->slots == NULL) {
        free(a);
        return ERR_INTERNAL;
    }
    pthread_mutex_init(&a->mu, NULL);
    *out = a;
    return ERR_OK;
}

void auth_close(struct auth *a) {
    pthread_mutex_destroy(&a->mu);
    free(a->slots);
    free(a);
}

static void auth__key(const char *op, const char *nonce, uint8_t key[16]) {
    struct hash_ctx ctx;
    hash_init(&ctx);
    hash_update_str(&ctx, op);
    hash_update_str(&ctx, nonce);
    struct hash h;
    hash_final(&ctx, &h);
    memcpy(key, h.bytes, 16);
}

/* Drop entries whose time has left the window (rebuild in place). */
static void auth__sweep(struct auth *a, int64_t now_ms) {
    struct auth__slot *old = a->slots;
    struct auth__slot *fresh = calloc(AUTH_NONCES_MAX, sizeof(*fresh));
    if (fresh == NULL) return;
    a->slots = fresh;
    a->used = 0;
    for (uint32_t i = 0; i < AUTH_NONCES_MAX; i++) {
        if (old[i].time_ms == 0 || old[i].time_ms < now_ms - LIMIT_AUTH_WINDOW_MS) continue;
        uint32_t j;
        memcpy(&j, old[i].key, 4);
        while (fresh[j & (AUTH_NONCES_MAX - 1)].time_ms != 0) j++;
        fresh[j & (AUTH_NONCES_MAX - 1)] = old[i];
        a->used++;
    }
    free(old);
}

/* Insert; ERR_AUTH_NONCE when present, ERR_RATE_LIMITED when full. */
static enum err auth__insert(struct auth *a, const uint8_t key[16], int64_t time_ms, int64_t now_ms) {
    if (a->used >= AUTH_NONCES_MAX / 2) auth__sweep(a, now_ms);
    if (a->used >= AUTH_NONCES_MAX / 2) return ERR_RATE_LIMITED;
    uint32_t j;
    memcpy(&j, key, 4);
    for (;; j++) {
        struct auth__slot *s = &a->slots[j & (AUTH_NONCES_MAX - 1)];
        if (s->time_ms == 0) {
            memcpy(s->key, key, 16);
            s->time_ms = time_ms;
            a->used++;
            return ERR_OK;
        }
        if (memcmp(s->key, key, 16) == 0) return ERR_AUTH_NONCE;
    }
}

void auth_remember(struct auth *a, const char *operator_name, const char *nonce, int64_t time_ms) {
    uint8_t key[16];
    auth__key(operator_name, nonce, key);
    pthread_mutex_lock(&a->mu);
    (void)auth__insert(a, key, time_ms, chain_now_ns() / 1000000);
    pthread_mutex_unlock(&a->mu);
}

static int auth__time(const char *t, int64_t *out) {
    size_t n = strlen(t);
    if (n == 0 || n > 15 || (t[0] == '0' && n > 1)) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') return -1;
        v = v * 10 + (t[i] - '0');
    }
    *out = v;
    return 0;
}

static int auth__nonce_ok(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > LIMIT_NONCE_BYTES) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

static enum err auth__count(struct auth *a, enum err err) {
    pthread_mutex_lock(&a->mu);
    if (err == ERR_AUTH_MISSING) a->stats.missing++;
    if (err == ERR_AUTH_OPERATOR) a->stats.operator_unknown++;
    if (err == ERR_AUTH_TIME) a->stats.time++;
    if (err == ERR_AUTH_SIGNATURE) a->stats.signature++;
    if (err == ERR_AUTH_NONCE) a->stats.nonce++;
    pthread_mutex_unlock(&a->mu);
    return err;
}

static enum err auth__lookup(struct chain *c, const char *name, uint8_t pubkey[32], int *index) {
    pthread_rwlock_rdlock(&c->lock);
    int i = engine_operator_find(&c->engine, name, strlen(name));
    if (i >= 0) memcpy(pubkey, c->engine.s.operators[i].pubkey, 32);
    pthread_rwlock_unlock(&c->lock);
    if (i < 0) return ERR_AUTH_OPERATOR;
    *index = i;
    return ERR_OK;
}

enum err auth_check(struct auth *a, struct chain *c, const char *method,
                    const char *path_and_query, const struct auth_headers *h,
                    const uint8_t *body, size_t body_len, int *operator_index, int64_t *time_ms,
                    struct hash *body_hash, uint8_t pubkey_out[32]) {
    int64_t t;
    if (!h->operator_name || !h->time || !h->nonce || !h->signature || auth__time(h->time, &t) ||
        !auth__nonce_ok(h->nonce)) {
        return auth__count(a, ERR_AUTH_MISSING);
    }
    uint8_t pubkey[32];
    int index;
    if (auth__lookup(c, h->operator_name, pubkey, &index)) return auth__count(a, ERR_AUTH_OPERATOR);
    int64_t now_ms = chain_now_ns() / 1000000;
    if (t < now_ms - LIMIT_AUTH_WINDOW_MS || t > now_ms + LIMIT_AUTH_WINDOW_MS) {
        return auth__count(a, ERR_AUTH_TIME);
    }
    struct hash digest;
    hash_once(body, body_len, &digest);
    if (sig_verify(pubkey, method, path_and_query, h->time, h->nonce, &digest, h->signature) != 0) {
        return auth__count(a, ERR_AUTH_SIGNATURE);
    }
    uint8_t key[16];
    auth__key(h->operator_name, h->nonce, key);
    pthread_mutex_lock(&a->mu);
    enum err err = auth__insert(a, key, t, now_ms);
    pthread_mutex_unlock(&a->mu);
    if (err) return auth__count(a, err);
    *operator_index = index;
    *time_ms = t;
    *body_hash = digest;
    memcpy(pubkey_out, pubkey, 32);
    return ERR_OK;
}

void auth_stats(struct auth *a, struct auth_stats *out) {
    pthread_mutex_lock(&a->mu);
    *out = a->stats;
    pthread_mutex_unlock(&a->mu);
}
