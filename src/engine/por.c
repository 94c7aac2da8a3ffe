/* por.c - proof of reserves: Merkle sum trees, publication, proofs. */
#include "por.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/duration.h"
#include "../base/hex.h"
#include "../base/jw.h"
#include "engine.h"
#include "engine_internal.h"
#include "reserve.h"

_Static_assert(LIMIT_ASSETS <= 64, "por_stashed has one bit per asset");
_Static_assert(LIMIT_HOLDINGS < UINT32_MAX / 2, "tree node counts fit in 32 bits");

#define POR_TAG_LEAF 0x00u
#define POR_TAG_NODE 0x01u
#define POR_TAG_SALT 0x02u
#define POR_TAG_ROOT 0x03u

static void por__be(uint8_t *p, uint64_t v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static void por__be128(uint8_t p[16], u128 v) {
    por__be(p, (uint64_t)(v >> 64), 8);
    por__be(p + 8, (uint64_t)v, 8);
}

static u128 por__sum(const struct por_node *n) { return ((u128)n->sum_hi << 64) | n->sum_lo; }

static void por__set_sum(struct por_node *n, u128 v) {
    n->sum_lo = (uint64_t)v;
    n->sum_hi = (uint64_t)(v >> 64);
}

void por_leaf_salt(const uint8_t salt[HASH_BYTES], const struct addr *addr, uint8_t out[HASH_BYTES]) {
    uint8_t m[1 + HASH_BYTES + ADDR_BYTES];
    m[0] = POR_TAG_SALT;
    memcpy(m + 1, salt, HASH_BYTES);
    memcpy(m + 1 + HASH_BYTES, addr->bytes, ADDR_BYTES);
    struct hash h;
    hash_once(m, sizeof(m), &h);
    memcpy(out, h.bytes, HASH_BYTES);
}

void por_leaf_hash(const struct addr *addr, u128 balance, const uint8_t leaf_salt[HASH_BYTES],
                   uint8_t out[HASH_BYTES]) {
    uint8_t m[1 + ADDR_BYTES + 16 + HASH_BYTES];
    m[0] = POR_TAG_LEAF;
    memcpy(m + 1, addr->bytes, ADDR_BYTES);
    por__be128(m + 1 + ADDR_BYTES, balance);
    memcpy(m + 1 + ADDR_BYTES + 16, leaf_salt, HASH_BYTES);
    struct hash h;
    hash_once(m, sizeof(m), &h);
    memcpy(out, h.bytes, HASH_BYTES);
}

int por_node_hash(const uint8_t lh[HASH_BYTES], u128 ls, const uint8_t rh[HASH_BYTES], u128 rs,
                  uint8_t out[HASH_BYTES], u128 *sum) {
    if (u128_add(ls, rs, sum)) return -1;
    uint8_t m[1 + 2 * (HASH_BYTES + 16)];
    m[0] = POR_TAG_NODE;
    memcpy(m + 1, lh, HASH_BYTES);
    por__be128(m + 1 + HASH_BYTES, ls);
    memcpy(m + 1 + HASH_BYTES + 16, rh, HASH_BYTES);
    por__be128(m + 1 + 2 * HASH_BYTES + 16, rs);
    struct hash h;
    hash_once(m, sizeof(m), &h);
    memcpy(out, h.bytes, HASH_BYTES);
    return 0;
}

void por_bind(const char *symbol, uint8_t decimals, const struct por_header *h,
              uint8_t out[HASH_BYTES]) {
    size_t len = strlen(symbol);
    ASSERT(len <= LIMIT_SYMBOL);
    uint8_t m[2 + LIMIT_SYMBOL + 1 + 8 + 8 + 8 + 4 + 1 + 16 + HASH_BYTES + 16];
    size_t k = 0;
    m[k++] = POR_TAG_ROOT;
    m[k++] = (uint8_t)len;
    memcpy(m + k, symbol, len);
    k += len;
    m[k++] = decimals;
    por__be(m + k, h->block, 8);
    k += 8;
    por__be(m + k, h->seq, 8);
    k += 8;
    por__be(m + k, (uint64_t)(h->time_ns / 1000000), 8);
    k += 8;
    por__be(m + k, h->leaves, 4);
    k += 4;
    m[k++] = h->depth;
    por__be128(m + k, h->reserve);
    k += 16;
    memcpy(m + k, h->tree_root, HASH_BYTES);
    k += HASH_BYTES;
    por__be128(m + k, h->total);
    k += 16;
    struct hash out_h;
    hash_once(m, k, &out_h);
    memcpy(out, out_h.bytes, HASH_BYTES);
}

void por_tree_free(struct por_tree *t) {
    if (t == NULL) return;
    free(t->addrs);
    free(t->nodes);
    free(t);
}

struct por_tree *por_tree_build(struct addr *addrs, const u128 *balances, uint32_t n,
                                const uint8_t salt[HASH_BYTES]) {
    struct por_tree *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        free(addrs);
        return NULL;
    }
    t->n = n;
    t->addrs = addrs;
    ASSERT(n <= LIMIT_HOLDINGS);
    uint64_t total_nodes = 0;
    uint32_t m = n;
    for (;;) {
        t->offset[t->levels] = (uint32_t)total_nodes;
        t->count[t->levels] = m;
        t->levels++;
        total_nodes += m;
        if (m <= 1) break;
        m -= m / 2; /* ceil(m / 2) without overflow */
    }
    t->nodes = malloc((size_t)(total_nodes ? total_nodes : 1) * sizeof(*t->nodes));
    if (t->nodes == NULL) goto fail;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t leaf_salt[HASH_BYTES];
        por_leaf_salt(salt, &addrs[i], leaf_salt);
        por_leaf_hash(&addrs[i], balances[i], leaf_salt, t->nodes[i].hash);
        por__set_sum(&t->nodes[i], balances[i]);
    }
    for (uint32_t l = 1; l < t->levels; l++) {
        const struct por_node *below = &t->nodes[t->offset[l - 1]];
        struct por_node *level = &t->nodes[t->offset[l]];
        uint32_t below_count = t->count[l - 1];
        for (uint32_t i = 0; i < t->count[l]; i++) {
            if (2 * i + 1 == below_count) {
                level[i] = below[2 * i]; /* odd one out: carried up */
                continue;
            }
            u128 sum;
            if (por_node_hash(below[2 * i].hash, por__sum(&below[2 * i]), below[2 * i + 1].hash,
                              por__sum(&below[2 * i + 1]), level[i].hash, &sum) != 0) {
                goto fail;
            }
            por__set_sum(&level[i], sum);
        }
    }
    return t;
fail:
    por_tree_free(t);
    return NULL;
}

void por_tree_root(const struct por_tree *t, uint8_t root[HASH_BYTES], u128 *total) {
    if (t->n == 0) {
        memset(root, 0, HASH_BYTES);
        *total = 0;
        return;
    }
    const struct por_node *top = &t->nodes[t->offset[t->levels - 1]];
    memcpy(root, top->hash, HASH_BYTES);
    *total = por__sum(top);
}

int64_t por_tree_find(const struct por_tree *t, const struct addr *addr) {
    uint32_t lo = 0, hi = t->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(t->addrs[mid].bytes, addr->bytes, ADDR_BYTES);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

void por_tree_proof(const struct por_tree *t, uint32_t index, const uint8_t salt[HASH_BYTES],
                    struct por_proof *out) {
    ASSERT(index < t->n);
    out->addr = t->addrs[index];
    out->balance = por__sum(&t->nodes[index]);
    por_leaf_salt(salt, &out->addr, out->leaf_salt);
    out->index = index;
    out->steps_count = 0;
    uint32_t i = index;
    for (uint32_t l = 0; l + 1 < t->levels; l++, i /= 2) {
        const struct por_node *level = &t->nodes[t->offset[l]];
        uint32_t sibling;
        if (i % 2 == 1) sibling = i - 1;
        else if (i + 1 < t->count[l]) sibling = i + 1;
        else continue;
        struct por_step *s = &out->steps[out->steps_count++];
        memcpy(s->hash, level[sibling].hash, HASH_BYTES);
        s->sum = por__sum(&level[sibling]);
    }
}

void por_proof_of(const struct engine *e, uint32_t asset, uint32_t leaf, struct por_proof *out) {
    const struct asset *a = &e->s.assets[asset];
    ASSERT(e->por[asset] != NULL);
    memset(out, 0, sizeof(*out));
    _Static_assert(sizeof(out->symbol) == sizeof(a->symbol), "symbol sizes");
    memcpy(out->symbol, a->symbol, sizeof(out->symbol));
    out->decimals = a->decimals;
    out->pub = a->por;
    memset(out->pub.salt, 0, sizeof(out->pub.salt));
    por_tree_proof(e->por[asset], leaf, a->por.salt, out);
}

enum err por_verify(struct por_proof *p, const char **why) {
    struct por_header *h = &p->pub;
    *why = NULL;
    if (p->balance == 0) *why = "the balance is zero (only holders are leaves)";
    else if (h->leaves == 0 || p->index >= h->leaves) *why = "the leaf index is outside the tree";
    if (*why != NULL) return ERR_PROOF_INVALID;
    uint8_t hash[HASH_BYTES];
    u128 sum = p->balance;
    por_leaf_hash(&p->addr, p->balance, p->leaf_salt, hash);
    /* Walk the shape the leaf count and index dictate. */
    uint32_t i = p->index, m = h->leaves, depth = 0, k = 0;
    for (; m > 1; m -= m / 2, i /= 2, depth++) {
        int left;
        if (i % 2 == 1) left = 1;
        else if (i + 1 < m) left = 0;
        else continue;
        if (k == p->steps_count) {
            *why = "the path is shorter than the tree";
            return ERR_PROOF_INVALID;
        }
        const struct por_step *s = &p->steps[k++];
        int bad = left ? por_node_hash(s->hash, s->sum, hash, sum, hash, &sum)
                       : por_node_hash(hash, sum, s->hash, s->sum, hash, &sum);
        if (bad) {
            *why = "the sums overflow";
            return ERR_PROOF_INVALID;
        }
    }
    if (k != p->steps_count) *why = "the path is longer than the tree";
    else if (depth != h->depth) *why = "the depth does not match the leaf count";
    else if (sum != h->total) *why = "the sums do not add up to the published total";
    if (*why != NULL) return ERR_PROOF_INVALID;
    memcpy(h->tree_root, hash, HASH_BYTES);
    uint8_t root[HASH_BYTES];
    por_bind(p->symbol, p->decimals, h, root);
    if (memcmp(root, h->root, HASH_BYTES) != 0) {
        *why = "the path and the publication's fields do not lead to its root";
        return ERR_PROOF_INVALID;
    }
    return ERR_OK;
}

/* A collected leaf; sorted by address, which is unique within an asset
 * (holdings are keyed by (asset, address)), so the order is total. */
struct por__leaf {
    struct addr addr;
    uint32_t pad;
    uint64_t lo;
    uint64_t hi;
};

static int por__cmp(const void *a, const void *b) {
    return memcmp(((const struct por__leaf *)a)->addr.bytes, ((const struct por__leaf *)b)->addr.bytes,
                  ADDR_BYTES);
}

/* A holder of asset: a record of that asset with a balance. Within a block
 * an emptied account keeps its slot, at zero, until the seal. */
static int por__holder(const struct holding *h, uint16_t asset) {
    return h->asset == asset && (h->balance_lo | h->balance_hi) != 0;
}

/* Collect the asset's holders sorted by address and build the tree. */
static struct por_tree *por__build(const struct engine *e, uint16_t asset,
                                   const uint8_t salt[HASH_BYTES]) {
    uint32_t n = 0;
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) n += (uint32_t)por__holder(h, asset);
    struct por__leaf *leaves = malloc((size_t)(n ? n : 1) * sizeof(*leaves));
    struct addr *addrs = malloc((size_t)(n ? n : 1) * sizeof(*addrs));
    u128 *balances = malloc((size_t)(n ? n : 1) * sizeof(*balances));
    struct por_tree *t = NULL;
    if (leaves != NULL && addrs != NULL && balances != NULL) {
        uint32_t k = 0;
        slot = 0;
        while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
            if (!por__holder(h, asset)) continue;
            memcpy(leaves[k].addr.bytes, h->addr, ADDR_BYTES);
            leaves[k].lo = h->balance_lo;
            leaves[k].hi = h->balance_hi;
            k++;
        }
        qsort(leaves, n, sizeof(*leaves), por__cmp);
        for (uint32_t i = 0; i < n; i++) {
            ASSERT(i == 0 || por__cmp(&leaves[i - 1], &leaves[i]) < 0);
            addrs[i] = leaves[i].addr;
            balances[i] = ((u128)leaves[i].hi << 64) | leaves[i].lo;
        }
        t = por_tree_build(addrs, balances, n, salt);
        addrs = NULL; /* owned by the tree now, freed with it on failure */
    }
    free(leaves);
    free(addrs);
    free(balances);
    return t;
}

/* Install t as asset's tree, keeping the one it replaces for a rollback:
 * of the savepoint when one is active, else of the checkpointed block. */
static void por__install(struct engine *e, uint16_t asset, struct por_tree *t) {
    uint64_t bit = UINT64_C(1) << asset;
    struct por_tree *old = e->por[asset];
    if (e->saved_active) {
        if (!(e->por_stashed & bit)) {
            e->por_stash[asset] = old;
            e->por_stashed |= bit;
            old = NULL;
        }
    } else if (e->block_active && !(e->por_block_stashed & bit)) {
        e->por_block_stash[asset] = old;
        e->por_block_stashed |= bit;
        old = NULL;
    }
    por_tree_free(old);
    e->por[asset] = t;
}

enum err por_publish_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out) {
    struct asset *a = &e->s.assets[cmd->asset];
    if (a->kind != ASSET_FIAT) return ERR_NOT_FIAT;
    u128 reserve;
    uint32_t fresh;
    if (!reserve_verified(e, cmd->asset, e->s.time_ns, &reserve, &fresh)) return ERR_QUORUM_NOT_MET;
    if (a->holders_count > UINT32_MAX) return ERR_LIMIT_REACHED;
    struct por_tree *t = por__build(e, cmd->asset, cmd->pubkey);
    if (t == NULL) return ERR_INTERNAL;
    struct por_header h = {0};
    h.block = e->s.height + 1;
    h.seq = out->seq;
    h.time_ns = e->s.time_ns;
    h.reserve = reserve;
    h.depth = (uint8_t)(t->levels - 1);
    h.leaves = t->n;
    por_tree_root(t, h.tree_root, &h.total);
    por_bind(a->symbol, a->decimals, &h, h.root);
    memcpy(h.salt, cmd->pubkey, HASH_BYTES);
    a->por = h;
    por__install(e, cmd->asset, t);
    struct event *ev = engine__emit(events, EVENT_POR_PUBLISHED, cmd->asset);
    memcpy(ev->digest, h.root, HASH_BYTES);
    ev->amount = h.total;
    ev->amount2 = h.reserve;
    ev->ref_id = h.leaves;
    ev->code = h.depth;
    ev->who = cmd->operator_index;
    return ERR_OK;
}

void por_rollback(struct engine *e) {
    for (uint32_t i = 0; i < LIMIT_ASSETS; i++) {
        if (!(e->por_stashed & (UINT64_C(1) << i))) continue;
        por_tree_free(e->por[i]);
        e->por[i] = e->por_stash[i];
        e->por_stash[i] = NULL;
    }
    e->por_stashed = 0;
}

/* A released savepoint's stash is what the block began with, when the
 * block has not stashed that asset yet: it moves there. */
void por_release(struct engine *e) {
    for (uint32_t i = 0; i < LIMIT_ASSETS; i++) {
        uint64_t bit = UINT64_C(1) << i;
        if (!(e->por_stashed & bit)) continue;
        if (e->block_active && !(e->por_block_stashed & bit)) {
            e->por_block_stash[i] = e->por_stash[i];
            e->por_block_stashed |= bit;
        } else {
            por_tree_free(e->por_stash[i]);
        }
        e->por_stash[i] = NULL;
    }
    e->por_stashed = 0;
}

void por_block_end(struct engine *e, int abort) {
    for (uint32_t i = 0; i < LIMIT_ASSETS; i++) {
        if (!(e->por_block_stashed & (UINT64_C(1) << i))) continue;
        if (abort) {
            por_tree_free(e->por[i]);
            e->por[i] = e->por_block_stash[i];
        } else {
            por_tree_free(e->por_block_stash[i]);
        }
        e->por_block_stash[i] = NULL;
    }
    e->por_block_stashed = 0;
}

void por_free_all(struct engine *e) {
    por_release(e);
    por_block_end(e, 0);
    for (uint32_t i = 0; i < LIMIT_ASSETS; i++) {
        por_tree_free(e->por[i]);
        e->por[i] = NULL;
    }
}

/* ---- JSON (the API and the proof file) ---- */

static void por__hex(struct jw *w, const char *key, const uint8_t *bytes) {
    char hex[HASH_HEX_SIZE];
    hex_encode(bytes, HASH_BYTES, hex);
    jw_kv_string(w, key, hex);
}

/* The publication object: every field por_bind covers, and the root. */
void por_publication_json(const struct asset *a, int in_proof, struct jw *w) {
    const struct por_header *h = &a->por;
    char t[40];
    time_format_iso(h->time_ns, t);
    jw_object_begin(w);
    jw_kv_string(w, "asset", a->symbol);
    jw_kv_uint(w, "decimals", a->decimals);
    jw_kv_uint(w, "block", h->block);
    jw_kv_uint(w, "seq", h->seq);
    if (!in_proof) jw_kv_string(w, "time", t);
    jw_kv_int(w, "time_ms", h->time_ns / 1000000);
    jw_kv_uint(w, "leaves", h->leaves);
    jw_kv_uint(w, "depth", h->depth);
    jw_kv_amount(w, "total", h->total, a->decimals);
    jw_kv_amount(w, "reserve", h->reserve, a->decimals);
    if (!in_proof) por__hex(w, "tree_root", h->tree_root);
    por__hex(w, "root", h->root);
    jw_object_end(w);
}

void por_proof_json(const struct asset *a, const struct por_proof *p, struct jw *w) {
    char text[ADDR_TEXT_SIZE];
    addr_format(&p->addr, text);
    jw_object_begin(w);
    jw_kv_string(w, "version", "mintline-por-v1");
    jw_key(w, "publication");
    por_publication_json(a, 1, w);
    jw_key(w, "leaf");
    jw_object_begin(w);
    jw_kv_string(w, "address", text);
    jw_kv_amount(w, "balance", p->balance, a->decimals);
    por__hex(w, "salt", p->leaf_salt);
    jw_kv_uint(w, "index", p->index);
    jw_object_end(w);
    jw_key(w, "path");
    jw_array_begin(w);
    for (uint32_t i = 0; i < p->steps_count; i++) {
        char b64[POR_B64_SIZE];
        sodium_bin2base64(b64, sizeof(b64), p->steps[i].hash, HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        jw_array_begin(w);
        jw_string(w, b64);
        jw_amount(w, p->steps[i].sum, a->decimals);
        jw_array_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

