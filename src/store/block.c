/*
 * block.c - the hashes that chain the journal.
 *
 * A block's hash covers its header and, for every request, the operator,
 * time, nonce, method, path, SHA-256 of the body, the signature and the
 * result codes: everything that is not derived. The derived data kept for
 * speed (binary commands, events) is checked by audit against a fresh
 * decode and replay instead of being hashed on the write path.
 */
#include <string.h>

#include "store.h"

static void block__request(struct hash_ctx *ctx, const struct store_request *r) {
    struct hash_ctx rc;
    hash_init(&rc);
    hash_update_str(&rc, "mintline-request-v1");
    hash_update_u64(&rc, r->first_seq);
    hash_update_u64(&rc, r->commands_count);
    hash_update_u64(&rc, r->flags);
    hash_update_str(&rc, r->operator_name);
    hash_update_u64(&rc, (uint64_t)r->time_ms);
    hash_update_str(&rc, r->nonce);
    hash_update_str(&rc, r->method);
    hash_update_str(&rc, r->path);
    hash_update(&rc, r->body_hash.bytes, HASH_BYTES);
    hash_update_str(&rc, r->signature);
    hash_update_u64(&rc, r->results_len);
    hash_update(&rc, r->results, r->results_len);
    struct hash digest;
    hash_final(&rc, &digest);
    hash_update(ctx, digest.bytes, HASH_BYTES);
}

static void block__header(struct hash_ctx *ctx, const struct store_block *b) {
    hash_update_u64(ctx, b->height);
    hash_update_u64(ctx, (uint64_t)b->time_ns);
    hash_update(ctx, b->prev_hash.bytes, HASH_BYTES);
    hash_update(ctx, b->state_hash.bytes, HASH_BYTES);
    hash_update_u64(ctx, b->first_seq);
    hash_update_u64(ctx, b->commands_count);
    hash_update_u64(ctx, b->requests_count);
    hash_update_u64(ctx, b->first_event_seq);
    hash_update_u64(ctx, b->events_count);
}

void block_hash(const struct store_block *block, const struct store_request *requests,
                uint32_t requests_count, struct hash *out) {
    struct hash_ctx ctx;
    hash_init(&ctx);
    hash_update_str(&ctx, "mintline-block-v1");
    block__header(&ctx, block);
    for (uint32_t i = 0; i < requests_count; i++) block__request(&ctx, &requests[i]);
    hash_final(&ctx, out);
}

void block_hash_genesis(const struct store_block *block0, const char *json, size_t json_len,
                        struct hash *out) {
    struct hash_ctx ctx;
    hash_init(&ctx);
    hash_update_str(&ctx, "mintline-genesis-v1");
    block__header(&ctx, block0);
    struct hash doc;
    hash_once(json, json_len, &doc);
    hash_update(&ctx, doc.bytes, HASH_BYTES);
    hash_final(&ctx, out);
}
