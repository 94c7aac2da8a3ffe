/*
 * auth.c - signature checks and the nonce shares.
 *
 * A nonce is remembered until its request's time leaves the 5-minute
 * window (time + LIMIT_AUTH_WINDOW_MS): after that the same request would
 * be refused for its time anyway. Each operator, by name, has a share of
 * two tables, reads and writes; a table is open addressing with linear
 * probing over (first 8 bytes of SHA-256(nonce), expiry), allocated on
 * first use, doubled when half full, and rebuilt without its expired
 * entries when it grows or is full (the latter at most once a second, so a
 * share held full by a flood costs O(1) per refused request). A table holds
 * at most LIMIT_AUTH_NONCES_READ or _WRITE entries; the first
 * LIMIT_AUTH_NONCES_RESERVED are the operator's own, the rest come from
 * one pool (LIMIT_AUTH_NONCES_POOL) that bounds the memory of them all.
 * A request that finds its table full gets ERR_RATE_LIMITED: only that
 * operator, only that path.
 *
 * A false match of two 64-bit keys can refuse a fresh nonce (with 2^15
 * live nonces, once in 2^49 requests); it can never accept a replay. A
 * share is freed only once every nonce in it has expired.
 */
#include "auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/sig.h"

/* The smallest table allocated, and how often a full table may be swept. */
#define AUTH__TABLE_MIN 64u
#define AUTH__SWEEP_EVERY_MS 1000

struct auth__slot {
    uint64_t key;
    int64_t expires_ms; /* 0: empty */
};

struct auth__table {
    struct auth__slot *slots; /* NULL while capacity is 0 */
    uint32_t capacity;        /* 0, or a power of two >= AUTH__TABLE_MIN */
    uint32_t used;            /* occupied slots, expired ones not yet dropped included */
    int64_t expires_min_ms;   /* no entry expires before this */
    int64_t expires_max_ms;   /* nor after this */
    int64_t swept_ms;         /* last rebuild */
};

struct auth__share {
    char name[LIMIT_OPERATOR_NAME + 1]; /* "": free */
    struct auth__table tables[2];       /* by enum auth_path */
};

struct auth {
    pthread_mutex_t mu;
    struct auth__share shares[LIMIT_AUTH_SHARES];
    uint64_t pooled; /* sum over tables of used beyond LIMIT_AUTH_NONCES_RESERVED */
    uint64_t held;   /* sum over tables of used */
    struct auth_stats stats;
};

enum err auth_open(struct auth **out) {
    struct auth *a = calloc(1, sizeof(*a));
    if (a == NULL) return ERR_INTERNAL;
    pthread_mutex_init(&a->mu, NULL);
    *out = a;
    return ERR_OK;
}

void auth_close(struct auth *a) {
    pthread_mutex_destroy(&a->mu);
    for (uint32_t i = 0; i < LIMIT_AUTH_SHARES; i++) {
        free(a->shares[i].tables[0].slots);
        free(a->shares[i].tables[1].slots);
    }
    free(a);
}

static uint64_t auth__key(const char *nonce) {
    struct hash h;
    hash_once(nonce, strlen(nonce), &h);
    uint64_t key;
    memcpy(&key, h.bytes, sizeof(key));
    return key;
}

static uint32_t auth__cap(enum auth_path path) {
    return path == AUTH_PATH_WRITE ? LIMIT_AUTH_NONCES_WRITE : LIMIT_AUTH_NONCES_READ;
}

static uint64_t auth__beyond_reserved(uint32_t used) {
    return used > LIMIT_AUTH_NONCES_RESERVED ? used - LIMIT_AUTH_NONCES_RESERVED : 0;
}

/* Set t->used, keeping the pool and held totals. */
static void auth__set_used(struct auth *a, struct auth__table *t, uint32_t used) {
    a->pooled = a->pooled - auth__beyond_reserved(t->used) + auth__beyond_reserved(used);
    a->held = a->held - t->used + used;
    t->used = used;
}

/* The slot holding key, else the empty slot where it would go. */
static struct auth__slot *auth__probe(const struct auth__table *t, uint64_t key) {
    uint32_t mask = t->capacity - 1;
    for (uint32_t j = (uint32_t)key & mask;; j = (j + 1) & mask) {
        struct auth__slot *s = &t->slots[j];
        if (s->expires_ms == 0 || s->key == key) return s;
    }
}

/* Whether t holds key unexpired at now_ms. */
static int auth__live(const struct auth__table *t, uint64_t key, int64_t now_ms) {
    if (t->capacity == 0) return 0;
    const struct auth__slot *s = auth__probe(t, key);
    return s->expires_ms >= now_ms;
}

static void auth__place(struct auth__table *t, uint64_t key, int64_t expires_ms) {
    struct auth__slot *s = auth__probe(t, key);
    s->key = key;
    s->expires_ms = expires_ms;
    if (expires_ms < t->expires_min_ms) t->expires_min_ms = expires_ms;
    if (expires_ms > t->expires_max_ms) t->expires_max_ms = expires_ms;
}

/* Rebuild t without the entries expired at now_ms, with room for `extra`
 * more at load <= 1/2 (freed when nothing is left and no room asked).
 * Returns -1 (t unchanged) when memory is short. */
static int auth__rebuild(struct auth *a, struct auth__table *t, int64_t now_ms, uint32_t extra) {
    uint32_t live = 0;
    for (uint32_t i = 0; i < t->capacity; i++) live += t->slots[i].expires_ms >= now_ms;
    uint32_t capacity = 0;
    if (live + extra > 0) {
        capacity = AUTH__TABLE_MIN;
        while (capacity < 2 * (live + extra)) capacity *= 2;
    }
    struct auth__slot *fresh = capacity ? calloc(capacity, sizeof(*fresh)) : NULL;
    if (capacity && fresh == NULL) return -1;
    struct auth__table old = *t;
    t->slots = fresh;
    t->capacity = capacity;
    t->expires_min_ms = INT64_MAX;
    t->expires_max_ms = 0;
    t->swept_ms = now_ms;
    for (uint32_t i = 0; i < old.capacity; i++) {
        const struct auth__slot *o = &old.slots[i];
        if (o->expires_ms >= now_ms) auth__place(t, o->key, o->expires_ms);
    }
    free(old.slots);
    auth__set_used(a, t, live);
    return 0;
}

/* Whether t may take one more entry under its limits. */
static int auth__has_room(const struct auth *a, const struct auth__table *t, enum auth_path path) {
    if (t->used >= auth__cap(path)) return 0;
    return t->used < LIMIT_AUTH_NONCES_RESERVED || a->pooled < LIMIT_AUTH_NONCES_POOL;
}

/* Make room for one more entry in t: sweep a full table (at most once a
 * second, and only when something has expired), grow a half-full one.
 * With force (start-up recovery) the limits do not apply. */
static enum err auth__make_room(struct auth *a, struct auth__table *t, enum auth_path path,
                                int64_t now_ms, int force) {
    int full = !force && !auth__has_room(a, t, path);
    int sweepable = now_ms > t->expires_min_ms && now_ms - t->swept_ms >= AUTH__SWEEP_EVERY_MS;
    if (full && sweepable) {
        if (auth__rebuild(a, t, now_ms, 1)) return ERR_INTERNAL;
        full = !auth__has_room(a, t, path);
    }
    if (full) return ERR_RATE_LIMITED;
    if (2 * (t->used + 1) > t->capacity && auth__rebuild(a, t, now_ms, 1)) return ERR_INTERNAL;
    return ERR_OK;
}

static enum err auth__table_use(struct auth *a, struct auth__table *t, enum auth_path path,
                                uint64_t key, int64_t expires_ms, int64_t now_ms, int force) {
    if (t->capacity) {
        struct auth__slot *s = auth__probe(t, key);
        if (s->expires_ms >= now_ms) return ERR_AUTH_NONCE;
        if (s->expires_ms != 0) { /* the same nonce, expired: take its slot again */
            auth__place(t, key, expires_ms);
            return ERR_OK;
        }
    }
    enum err err = auth__make_room(a, t, path, now_ms, force);
    if (err) return err;
    auth__place(t, key, expires_ms);
    auth__set_used(a, t, t->used + 1);
    return ERR_OK;
}

/* Free shares whose every nonce has expired (so their names can go). */
static void auth__reclaim(struct auth *a, int64_t now_ms) {
    for (uint32_t i = 0; i < LIMIT_AUTH_SHARES; i++) {
        struct auth__share *sh = &a->shares[i];
        if (sh->name[0] == '\0') continue;
        int64_t last_ms = sh->tables[0].expires_max_ms;
        if (sh->tables[1].expires_max_ms > last_ms) last_ms = sh->tables[1].expires_max_ms;
        if (last_ms >= now_ms) continue;
        for (int k = 0; k < 2; k++) {
            auth__set_used(a, &sh->tables[k], 0);
            free(sh->tables[k].slots);
        }
        memset(sh, 0, sizeof(*sh));
    }
}

/* The share of operator_name, made when absent; NULL when every share
 * holds live nonces. */
static struct auth__share *auth__share(struct auth *a, const char *operator_name, int64_t now_ms) {
    struct auth__share *free_share = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < LIMIT_AUTH_SHARES; i++) {
            struct auth__share *sh = &a->shares[i];
            if (strcmp(sh->name, operator_name) == 0) return sh;
            if (free_share == NULL && sh->name[0] == '\0') free_share = sh;
        }
        if (free_share) break;
        auth__reclaim(a, now_ms);
    }
    if (free_share == NULL) return NULL;
    snprintf(free_share->name, sizeof(free_share->name), "%s", operator_name);
    return free_share;
}

static enum err auth__use(struct auth *a, const char *operator_name, const char *nonce,
                          enum auth_path path, int64_t time_ms, int64_t now_ms, int force) {
    int64_t expires_ms = time_ms + LIMIT_AUTH_WINDOW_MS;
    if (expires_ms < now_ms) return ERR_OK; /* refused for its time from now on */
    if (strlen(operator_name) > LIMIT_OPERATOR_NAME) return ERR_AUTH_OPERATOR;
    uint64_t key = auth__key(nonce);
    enum auth_path other = path == AUTH_PATH_READ ? AUTH_PATH_WRITE : AUTH_PATH_READ;
    pthread_mutex_lock(&a->mu);
    struct auth__share *sh = auth__share(a, operator_name, now_ms);
    enum err err = ERR_RATE_LIMITED;
    /* a nonce is unique per operator, whichever path used it first */
    if (sh && auth__live(&sh->tables[other], key, now_ms)) err = ERR_AUTH_NONCE;
    else if (sh) err = auth__table_use(a, &sh->tables[path], path, key, expires_ms, now_ms, force);
    if (err == ERR_RATE_LIMITED && path == AUTH_PATH_WRITE) a->stats.rate_limited_write++;
    if (err == ERR_RATE_LIMITED && path == AUTH_PATH_READ) a->stats.rate_limited_read++;
    pthread_mutex_unlock(&a->mu);
    return err;
}

enum err auth_nonce_use(struct auth *a, const char *operator_name, const char *nonce,
                        enum auth_path path, int64_t time_ms, int64_t now_ms) {
    return auth__use(a, operator_name, nonce, path, time_ms, now_ms, 0);
}

void auth_remember(struct auth *a, const char *operator_name, const char *nonce, int64_t time_ms) {
    (void)auth__use(a, operator_name, nonce, AUTH_PATH_WRITE, time_ms, chain_now_ns() / 1000000, 1);
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

/* The checks that need no body: the four headers well formed, the
 * operator known (its key into pubkey), the time within the window. */
static enum err auth__headers(struct auth *a, struct chain *c, const struct auth_headers *h,
                              int64_t *t, int64_t *now_ms, uint8_t pubkey[32], int *index) {
    if (!h->operator_name || !h->time || !h->nonce || !h->signature || auth__time(h->time, t) ||
        !auth__nonce_ok(h->nonce)) {
        return auth__count(a, ERR_AUTH_MISSING);
    }
    if (auth__lookup(c, h->operator_name, pubkey, index)) return auth__count(a, ERR_AUTH_OPERATOR);
    *now_ms = chain_now_ns() / 1000000;
    if (*t < *now_ms - LIMIT_AUTH_WINDOW_MS || *t > *now_ms + LIMIT_AUTH_WINDOW_MS) {
        return auth__count(a, ERR_AUTH_TIME);
    }
    return ERR_OK;
}

enum err auth_check(struct auth *a, struct chain *c, const char *method,
                    const char *path_and_query, const struct auth_headers *h,
                    const uint8_t *body, size_t body_len, int *operator_index, int64_t *time_ms,
                    struct hash *body_hash, uint8_t pubkey_out[32]) {
    int64_t t, now_ms;
    uint8_t pubkey[32];
    int index;
    enum err err = auth__headers(a, c, h, &t, &now_ms, pubkey, &index);
    if (err) return err;
    struct hash digest;
    hash_once(body, body_len, &digest);
    if (sig_verify(pubkey, method, path_and_query, h->time, h->nonce, &digest, h->signature) != 0) {
        return auth__count(a, ERR_AUTH_SIGNATURE);
    }
    enum auth_path path = strcmp(method, "POST") == 0 ? AUTH_PATH_WRITE : AUTH_PATH_READ;
    err = auth_nonce_use(a, h->operator_name, h->nonce, path, t, now_ms);
    if (err) return auth__count(a, err);
    *operator_index = index;
    *time_ms = t;
    *body_hash = digest;
    memcpy(pubkey_out, pubkey, 32);
    return ERR_OK;
}

enum err auth_precheck(struct auth *a, struct chain *c, const struct auth_headers *h) {
    int64_t t, now_ms;
    uint8_t pubkey[32];
    int index;
    return auth__headers(a, c, h, &t, &now_ms, pubkey, &index);
}

void auth_nonce_replayed(struct auth *a) {
    pthread_mutex_lock(&a->mu);
    if (a->stats.nonce > 0) a->stats.nonce--;
    a->stats.replayed++;
    pthread_mutex_unlock(&a->mu);
}

void auth_stats(struct auth *a, struct auth_stats *out) {
    pthread_mutex_lock(&a->mu);
    *out = a->stats;
    out->nonces_held = a->held;
    pthread_mutex_unlock(&a->mu);
}
