/*
 * por.h - proof of reserves: a Merkle sum tree over an asset's holders
 * (SPEC 6), its publication, inclusion proofs and their verification.
 *
 * All integers are big endian; H is SHA-256.
 *   leaf salt   = H(0x02 || publication salt (32) || address (20))
 *   leaf        = H(0x00 || address (20) || balance (16) || leaf salt (32)), sum = balance
 *   inner node  = H(0x01 || left hash || left sum (16) || right hash || right sum (16)),
 *                 sum = left sum + right sum
 * Leaves are the holders with a non-zero balance, sorted by address; a
 * level with an odd count carries its last node up unchanged. The tree's
 * root is then bound to what was published:
 *   root = H(0x03 || len(symbol) (1) || symbol || decimals (1) || block (8) ||
 *            seq (8) || time_ms (8) || leaves (4) || depth (1) ||
 *            reserve (16) || tree root (32) || total (16))
 * so that no field of a proof can change without the root changing. The
 * publication salt stays in the journal; a proof carries only its own leaf
 * salt, so a holder learns a sibling's sum but cannot test guesses of whose
 * it is. Proofs are served for an asset's latest publication: its leaves
 * (balances as of the publishing command) are kept by the engine and
 * carried by snapshots.
 */
#ifndef MINTLINE_ENGINE_POR_H
#define MINTLINE_ENGINE_POR_H

#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/hash.h"
#include "../base/u128.h"
#include "command.h"

#define POR_MAX_LEVELS 33u /* 2^32 leaves at most */
#define POR_B64_SIZE 45u   /* a hash in base64 with padding, NUL terminated */

/* What a publication recorded (kept per asset in the small state). */
struct por_header {
    uint64_t block;   /* 0: never published */
    uint64_t seq;     /* the command seq that published it */
    int64_t time_ns;
    u128 total;       /* liabilities: the sum of the leaves */
    u128 reserve;     /* the verified reserve at publication (publishing needs one) */
    uint8_t depth;    /* levels above the leaves */
    uint32_t leaves;
    uint8_t tree_root[HASH_BYTES];
    uint8_t root[HASH_BYTES]; /* tree root bound to the fields above */
    uint8_t salt[HASH_BYTES]; /* secret to holders: never in a proof */
};

struct por_node {
    uint8_t hash[HASH_BYTES];
    uint64_t sum_lo;
    uint64_t sum_hi;
};

/* A whole tree: sorted leaf addresses and every level's nodes. */
struct por_tree {
    uint32_t n;
    uint32_t levels;                   /* depth + 1 (1 for 0 or 1 leaves) */
    uint32_t offset[POR_MAX_LEVELS];   /* first node of each level in nodes */
    uint32_t count[POR_MAX_LEVELS];
    struct addr *addrs;
    struct por_node *nodes;
};

/* One step of a proof: the sibling. Whether it is on the left or the right
 * follows from the leaf's index and the leaf count (por_verify). */
struct por_step {
    uint8_t hash[HASH_BYTES];
    u128 sum;
};

/* What a holder's proof says. */
struct por_proof {
    char symbol[LIMIT_SYMBOL + 1];
    uint8_t decimals;
    struct por_header pub; /* salt left zero */
    struct addr addr;
    u128 balance;
    uint8_t leaf_salt[HASH_BYTES];
    uint32_t index;
    uint32_t steps_count;
    struct por_step steps[POR_MAX_LEVELS];
};

void por_leaf_salt(const uint8_t salt[HASH_BYTES], const struct addr *addr, uint8_t out[HASH_BYTES]);
void por_leaf_hash(const struct addr *addr, u128 balance, const uint8_t leaf_salt[HASH_BYTES],
                   uint8_t out[HASH_BYTES]);
/* por_node_hash: the parent of two nodes; -1 when the sums overflow. */
int por_node_hash(const uint8_t lh[HASH_BYTES], u128 ls, const uint8_t rh[HASH_BYTES], u128 rs,
                  uint8_t out[HASH_BYTES], u128 *sum);
/* por_bind: the published root of a header whose tree root is set. */
void por_bind(const char *symbol, uint8_t decimals, const struct por_header *h,
              uint8_t out[HASH_BYTES]);

/* por_tree_build: the tree over n leaves (addresses sorted, unique,
 * balances non-zero), hashed with salt. Takes ownership of addrs (freed on
 * failure too). NULL when memory cannot be had or the sum overflows. */
struct por_tree *por_tree_build(struct addr *addrs, const u128 *balances, uint32_t n,
                                const uint8_t salt[HASH_BYTES]);
void por_tree_free(struct por_tree *t);
/* por_tree_root: root hash and sum (zeros for an empty tree). */
void por_tree_root(const struct por_tree *t, uint8_t root[HASH_BYTES], u128 *total);
/* por_tree_find: the leaf index of addr, or -1. */
int64_t por_tree_find(const struct por_tree *t, const struct addr *addr);
/* por_tree_proof: fill the leaf, its salt and the path of leaf `index`. */
void por_tree_proof(const struct por_tree *t, uint32_t index, const uint8_t salt[HASH_BYTES],
                    struct por_proof *out);

struct engine;
/* por_proof_of: the whole proof of leaf `leaf` of asset's latest
 * publication, as served to a holder: the asset, the publication without
 * its salt, the leaf and the path. The tree must exist (e->por[asset]). */
void por_proof_of(const struct engine *e, uint32_t asset, uint32_t leaf, struct por_proof *out);

/* por_verify: walk the path from the leaf (the tree's shape, so each
 * sibling's side and the number of steps, follows from index and leaves),
 * check the sum against the total and the depth, bind the tree root to the
 * publication's fields and compare with its root. ERR_OK when the proof is
 * consistent (p->pub.tree_root is then set); else ERR_PROOF_INVALID and
 * *why says what failed. */
enum err por_verify(struct por_proof *p, const char **why) __attribute__((warn_unused_result));

/* JSON forms (GET /api/assets/SYM/por and .../por/ADDR; the proof file):
 * the publication object carries every field por_bind covers, never the
 * salt; the proof is {"version", "publication", "leaf", "path"}, its
 * publication without the fields a verifier recomputes or does not need
 * (tree_root, the ISO time), and each path step a pair [sibling hash in
 * base64, sibling sum]: 20 steps for a million holders stay under 2 KiB. */
struct asset;
struct jw;
void por_publication_json(const struct asset *a, int in_proof, struct jw *w);
void por_proof_json(const struct asset *a, const struct por_proof *p, struct jw *w);

/* por_publish_apply: the op's handler. ERR_NOT_FIAT, ERR_QUORUM_NOT_MET,
 * ERR_LIMIT_REACHED; ERR_INTERNAL when the tree's memory cannot be had (a
 * fault, not a rejection: the sequencer never journals it, see
 * sequencer.c). Memory: ~150 B per holder for the latest tree of each
 * asset, twice that while a savepoint keeps the one it replaced. */
struct event_buf;
struct apply_result;
enum err por_publish_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out);

/* Savepoint hooks: a tree replaced while a savepoint is active is kept
 * until release (freed) or rollback (restored). */
void por_rollback(struct engine *e);
void por_release(struct engine *e);
void por_free_all(struct engine *e);

/* por_block_end: the end of a checkpointed block (engine_block_commit,
 * abort set when engine_block_abort): the trees the block replaced are
 * freed, or put back. A tree replaced in a checkpointed block is kept
 * until then, under a savepoint's stash first when one is active. */
void por_block_end(struct engine *e, int abort);

#endif
